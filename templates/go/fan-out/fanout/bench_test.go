package fanout

import (
	"context"
	"testing"
	"time"
)

// BenchmarkFanOut starts b.N jobs that each wait 2 ms, as I/O-bound jobs
// do, and reports the speedup over a sequential loop (whose time is the sum
// of the waits). Each op is one job.
func BenchmarkFanOut(b *testing.B) {
	const work = 2 * time.Millisecond
	wait := func(ctx context.Context, job int) (int, error) {
		time.Sleep(work)
		return job, nil
	}
	began := time.Now()
	for range Run(b.Context(), feed(b.Context(), b.N), wait) {
	}
	b.ReportMetric(float64(work)*float64(b.N)/float64(time.Since(began)), "speedup")
}
