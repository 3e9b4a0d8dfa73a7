package producerconsumer

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkHandOver measures what passing a job through the buffer costs
// when consumers do no work. Each op is one job.
func BenchmarkHandOver(b *testing.B) {
	noWork := func(ctx context.Context, job, worker int) (int, error) { return job, nil }
	for _, buffer := range []int{1, 64} {
		b.Run(fmt.Sprintf("buffer-%d", buffer), func(b *testing.B) {
			for range Run(b.Context(), producer(b.Context(), feed(b.Context(), b.N)), noWork, 4, buffer) {
			}
		})
	}
}
