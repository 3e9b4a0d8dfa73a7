package prodcons

import (
	"context"
	"errors"
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
		if w == "push" {
			return errors.New("too short")
		}
		letters.Add(int64(len(w)))
		return nil
	}
	// failed runs on the consumer's goroutine, as soon as the item fails.
	failed := func(consumer int, w string, err error) {
		fmt.Printf("%s: %v\n", w, err)
	}
	err := Run(context.Background(), 2, []Producer[string]{words}, 3, count, failed)
	fmt.Println(letters.Load(), err)
	// Output:
	// push: too short
	// 18 <nil>
}
