package timeout

import (
	"context"
	"testing"
	"time"
)

// BenchmarkOverhead compares calling an operation through Do with calling
// it directly; the difference in ns/op is the price of the deadline (a
// context and a timer).
func BenchmarkOverhead(b *testing.B) {
	op := func(ctx context.Context) (int, error) { return 1, nil }
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			op(b.Context())
		}
	})
	b.Run("do", func(b *testing.B) {
		for b.Loop() {
			Do(b.Context(), time.Second, op)
		}
	})
}

// BenchmarkLateness gives a 20 ms operation a 5 ms deadline and reports how
// long after the deadline Do returns: the time the cancellation takes to
// reach the operation and the operation to stop.
func BenchmarkLateness(b *testing.B) {
	const limit = 5 * time.Millisecond
	op := func(ctx context.Context) (int, error) {
		timer := time.NewTimer(20 * time.Millisecond)
		defer timer.Stop()
		select {
		case <-timer.C:
			return 1, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	var late time.Duration
	for b.Loop() {
		began := time.Now()
		Do(b.Context(), limit, op)
		late += time.Since(began) - limit
	}
	b.ReportMetric(float64(late.Microseconds())/float64(b.N), "µs-late")
}
