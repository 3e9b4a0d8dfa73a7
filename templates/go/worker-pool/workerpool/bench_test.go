package workerpool

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func noWork(ctx context.Context, worker, job int) (int, error) { return job * 2, nil }

// BenchmarkOverhead measures what the pool costs per job when jobs do no
// work at all, against calling the handler in a plain loop. Each op is one
// job; compare the ns/op of the sub-benchmarks.
func BenchmarkOverhead(b *testing.B) {
	b.Run("sequential", func(b *testing.B) {
		for job := 0; b.Loop(); job++ {
			noWork(b.Context(), 1, job)
		}
	})
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("pool-%d-workers", workers), func(b *testing.B) {
			jobs := make(chan int)
			results := Run(b.Context(), workers, jobs, noWork)
			go func() {
				defer close(jobs)
				for job := range b.N {
					jobs <- job
				}
			}()
			for range results {
			}
		})
	}
}

// BenchmarkSpeedup runs 64 jobs that each wait 2 ms, as I/O-bound jobs do,
// and reports how many times faster the pool is than a sequential loop
// (whose time is the sum of the waits). The ideal speedup is the worker count.
func BenchmarkSpeedup(b *testing.B) {
	const jobs, work = 64, 2 * time.Millisecond
	wait := func(ctx context.Context, worker, job int) (int, error) {
		time.Sleep(work)
		return job * 2, nil
	}
	for _, workers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("pool-%d-workers", workers), func(b *testing.B) {
			var wall time.Duration
			for b.Loop() {
				began := time.Now()
				queue := make(chan int)
				go func() {
					defer close(queue)
					for job := range jobs {
						queue <- job
					}
				}()
				for range Run(b.Context(), workers, queue, wait) {
				}
				wall += time.Since(began)
			}
			b.ReportMetric(float64(jobs*work)*float64(b.N)/float64(wall), "speedup")
		})
	}
}
