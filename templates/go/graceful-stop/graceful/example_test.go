package graceful

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

func ExampleServe() {
	jobs := make(chan string)
	go func() {
		defer close(jobs)
		for _, j := range []string{"resize", "upload", "notify"} {
			jobs <- j
		}
	}()
	var handled atomic.Int32
	handle := func(ctx context.Context, worker int, job string) {
		if job == "notify" {
			panic("no recipients")
		}
		handled.Add(1)
	}
	// A real service would log the stack too, and count the failure.
	panicked := func(worker int, job string, err *PanicError) {
		fmt.Printf("%s: %v\n", job, err)
	}

	// In a service, ctx comes from signal.NotifyContext; here the source
	// runs dry first, so Serve returns nil without a stop.
	err := Serve(context.Background(), 2, 5*time.Second, jobs, handle, panicked)
	fmt.Println(handled.Load(), err)
	// Output:
	// notify: panic: no recipients
	// 2 <nil>
}
