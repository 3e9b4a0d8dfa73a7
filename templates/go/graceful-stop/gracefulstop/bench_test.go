package graceful

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPerJob pushes b.N jobs that do no work through Serve, against
// calling the handler in a plain loop. Each op is one job; the difference
// in ns/op is the cost of handing a job to a worker.
func BenchmarkPerJob(b *testing.B) {
	handle := func(ctx context.Context, worker, job int) {}
	panicked := func(worker, job int, err *PanicError) { b.Fatal(err) }
	b.Run("direct-call", func(b *testing.B) {
		for job := 0; b.Loop(); job++ {
			handle(b.Context(), 1, job)
		}
	})
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("serve-%d-workers", workers), func(b *testing.B) {
			jobs := make(chan int)
			go func() {
				defer close(jobs)
				for job := range b.N {
					jobs <- job
				}
			}()
			if err := Serve(b.Context(), workers, time.Second, jobs, handle, panicked); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkStopWhenIdle starts a service of 4 workers with nothing to do and
// stops it at once, reporting the time from the stop to Serve's return.
func BenchmarkStopWhenIdle(b *testing.B) {
	never := make(chan int)
	var stopping time.Duration
	for b.Loop() {
		ctx, stop := context.WithCancel(b.Context())
		done := make(chan error)
		go func() {
			done <- Serve(ctx, 4, time.Second, never, func(context.Context, int, int) {}, func(int, int, *PanicError) {})
		}()
		began := time.Now()
		stop()
		<-done
		stopping += time.Since(began)
	}
	b.ReportMetric(float64(stopping.Microseconds())/float64(b.N), "µs-to-stop")
}
