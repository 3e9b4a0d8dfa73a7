package timeout

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func ExampleDo() {
	slowFetch := func(ctx context.Context) (string, error) {
		reply := time.NewTimer(time.Second) // stands in for a slow network call
		defer reply.Stop()
		select {
		case <-reply.C:
			return "data", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	_, err := Do(context.Background(), 10*time.Millisecond, slowFetch)
	fmt.Println(errors.Is(err, ErrTimedOut))
	// Output: true
}
