package timeout

import (
	"context"
	"testing"
	"time"
)

// BenchmarkCall measures what a deadline costs a job that does no work:
// the context, its timer and the panic guard. Each op is one call.
func BenchmarkCall(b *testing.B) {
	noWork := func(ctx context.Context, job int) (int, error) { return job, nil }
	for b.Loop() {
		Call(b.Context(), 1, noWork, time.Second)
	}
}
