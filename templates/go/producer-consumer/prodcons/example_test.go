package prodcons

import (
	"context"
	"fmt"
	"sync/atomic"
)

func ExampleRun() {
	words := func(ctx context.Context, put func(string) error) error {
		for _, w := range []string{"bounded", "buffers", "push", "back"} {
			if err := put(w); err != nil {
				return err
			}
		}
		return nil
	}
	var letters atomic.Int64
	count := func(ctx context.Context, consumer int, w string) error {
		letters.Add(int64(len(w)))
		return nil
	}
	err := Run(context.Background(), 2, []Producer[string]{words}, 3, count)
	fmt.Println(letters.Load(), err)
	// Output: 22 <nil>
}
