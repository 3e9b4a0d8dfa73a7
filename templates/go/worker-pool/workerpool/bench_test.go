package workerpool

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPool runs jobs that each wait 2 ms, as I/O-bound jobs do, and
// reports the pool's speedup over a sequential loop (whose time is the sum
// of the waits); the ideal is the worker count. Each op is one job.
func BenchmarkPool(b *testing.B) {
	const work = 2 * time.Millisecond
	wait := func(ctx context.Context, job, worker int) (int, error) {
		time.Sleep(work)
		return job, nil
	}
	for _, workers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("%d-workers", workers), func(b *testing.B) {
			began := time.Now()
			for range Run(b.Context(), feed(b.Context(), b.N), wait, workers) {
			}
			b.ReportMetric(float64(work)*float64(b.N)/float64(time.Since(began)), "speedup")
		})
	}
}
