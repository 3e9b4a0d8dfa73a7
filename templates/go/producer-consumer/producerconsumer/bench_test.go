package prodcons

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkThroughput moves b.N items from one producer to four consumers
// that do no work, for several buffer sizes, against a plain loop that
// hands each item to the consumer directly. Each op is one item; the
// difference in ns/op is the cost of the hand-over between goroutines.
func BenchmarkThroughput(b *testing.B) {
	consume := func(ctx context.Context, consumer, item int) error { return nil }
	b.Run("direct-call", func(b *testing.B) {
		for item := 0; b.Loop(); item++ {
			consume(b.Context(), 1, item)
		}
	})
	for _, capacity := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("buffer-%d", capacity), func(b *testing.B) {
			produce := func(ctx context.Context, put func(int) error) error {
				for item := range b.N {
					if err := put(item); err != nil {
						return err
					}
				}
				return nil
			}
			failed := func(consumer, item int, err error) { b.Error(err) }
			if err := Run(b.Context(), capacity, []Producer[int]{produce}, 4, consume, failed); err != nil {
				b.Fatal(err)
			}
		})
	}
}
