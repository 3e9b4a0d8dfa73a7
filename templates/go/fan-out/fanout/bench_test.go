package fanout

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// sink keeps the result of the CPU tasks alive, so the compiler cannot drop them.
var sink atomic.Uint64

func spin(ctx context.Context, n int) (uint64, error) {
	x := uint64(n) | 1
	for range 2_000_000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	sink.Add(x)
	return x, nil
}

func sleep(ctx context.Context, n int) (uint64, error) {
	time.Sleep(5 * time.Millisecond)
	return uint64(n), nil
}

// BenchmarkWallVsSum runs the same tasks in a sequential loop and fanned
// out, in every op, and reports how many times shorter the fan-out's wall
// time is. For I/O-bound tasks it approaches the task count; for CPU-bound
// tasks it approaches GOMAXPROCS, the number of goroutines that can run Go
// code at once (by default the CPUs the process may use).
func BenchmarkWallVsSum(b *testing.B) {
	kinds := []struct {
		name string
		task func(context.Context, int) (uint64, error)
	}{
		{"io", sleep},
		{"cpu", spin},
	}
	for _, kind := range kinds {
		for _, tasks := range []int{4, 16} {
			b.Run(fmt.Sprintf("%s-%d-tasks", kind.name, tasks), func(b *testing.B) {
				inputs := make([]int, tasks)
				for i := range inputs {
					inputs[i] = i
				}
				var sum, wall time.Duration
				for b.Loop() {
					began := time.Now()
					for _, n := range inputs {
						kind.task(b.Context(), n)
					}
					sum += time.Since(began)

					began = time.Now()
					Run(b.Context(), inputs, kind.task)
					wall += time.Since(began)
				}
				b.ReportMetric(float64(sum)/float64(wall), "speedup")
			})
		}
	}
}
