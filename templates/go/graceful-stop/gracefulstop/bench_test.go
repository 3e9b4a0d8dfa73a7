package gracefulstop

import (
	"context"
	"testing"
	"time"
)

// BenchmarkService measures what the service costs per job when jobs do no
// work, on four workers. Each op is one job.
func BenchmarkService(b *testing.B) {
	noWork := func(ctx context.Context, job, worker int) (int, error) { return job, nil }
	for range Run(b.Context(), feed(b.Context(), b.N), noWork, 4, time.Second) {
	}
}
