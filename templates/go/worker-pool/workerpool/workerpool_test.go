package workerpool

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestOutcomesMatchJobs(t *testing.T) {
	tests := []struct {
		name          string
		workers, jobs int
	}{
		{"no jobs", 3, 0},
		{"one worker", 1, 10},
		{"fewer jobs than workers", 8, 3},
		{"many more jobs than workers", 4, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				handle := func(ctx context.Context, job, worker int) (int, error) { return double(job) }
				checkEachJobOnce(t, Run(t.Context(), feed(t.Context(), tt.jobs), handle, tt.workers), tt.jobs)
			})
		})
	}
}

func TestConcurrencyNeverExceedsWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, most atomic.Int32
		slow := func(ctx context.Context, job, worker int) (int, error) {
			now := running.Add(1)
			defer running.Add(-1)
			for old := most.Load(); now > old && !most.CompareAndSwap(old, now); old = most.Load() {
			}
			time.Sleep(time.Second)
			return job, nil
		}
		began := time.Now()
		for range Run(t.Context(), feed(t.Context(), 10), slow, 3) {
		}
		if got := most.Load(); got != 3 {
			t.Errorf("at most %d jobs ran at once, want exactly 3", got)
		}
		// 10 one-second jobs on 3 workers take 4 rounds: the workers ran
		// side by side, and none sat idle.
		if elapsed := time.Since(began); elapsed != 4*time.Second {
			t.Errorf("took %v, want 4s", elapsed)
		}
	})
}

func TestFailingJobNeitherHangsThePoolNorHidesItsError(t *testing.T) {
	// Two workers: each meets bad jobs and carries on with the rest.
	checkFailurePolicy(t, func(ctx context.Context, jobs <-chan int, handle func(int) (int, error)) <-chan Outcome[int, int] {
		return Run(ctx, jobs, func(ctx context.Context, job, worker int) (int, error) { return handle(job) }, 2)
	})
}

func TestCancelStopsEveryWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var started atomic.Int32
		waitForCancel := func(ctx context.Context, job, worker int) (int, error) {
			started.Add(1)
			<-ctx.Done()
			return 0, ctx.Err()
		}
		outcomes := Run(ctx, feed(t.Context(), -1), waitForCancel, 4)
		synctest.Wait()
		cancel()
		// No job starts after the cancel, so the channel closes as soon as
		// the four running jobs return, each with its outcome.
		if received := endedWith(t, outcomes, context.Canceled); received != 4 || started.Load() != 4 {
			t.Errorf("%d jobs started, %d outcomes; want the 4 running at the cancel", started.Load(), received)
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, jobs, Handler[int, int](nil), 3)
	})
}

// A job that was already running when ctx was cancelled has done its work,
// side effects included; its outcome must still reach the caller.
func TestCancelKeepsTheOutcomesOfFinishedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A worker that chose between sending and ctx.Done() at random
		// dropped about half of the outcomes in flight at the cancel, so 20
		// rounds make a silent loss all but impossible to miss.
		for round := range 20 {
			ctx, cancel := context.WithCancel(t.Context())
			var finished atomic.Int32
			committed := func(ctx context.Context, job, worker int) (int, error) {
				time.Sleep(time.Millisecond) // work that does not watch ctx
				finished.Add(1)
				return job, nil
			}
			received := 0
			for range Run(ctx, feed(ctx, -1), committed, 4) {
				if received++; received == 10 {
					cancel()
				}
			}
			cancel()
			if got := int(finished.Load()); received != got {
				t.Fatalf("round %d: %d jobs finished, %d outcomes received", round, got, received)
			}
		}
	})
}

func TestRejectsFewerThanOneWorker(t *testing.T) {
	for _, workers := range []int{0, -1} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			// Without the check, Run returned a closed channel at once, as
			// if every job were done, and the source's sender blocked forever.
			got := panicValue(func() { Run(t.Context(), make(chan int), Handler[int, int](nil), workers) })
			if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
				t.Errorf("Run with %d workers: panic %q, want one that asks for at least 1 worker", workers, msg)
			}
		})
	}
}
