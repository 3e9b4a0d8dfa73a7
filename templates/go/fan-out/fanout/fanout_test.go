package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestEveryOutcomeIsGathered(t *testing.T) {
	for _, jobs := range []int{0, 1, 3, 1000} {
		t.Run(fmt.Sprint(jobs), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				handle := func(ctx context.Context, job int) (int, error) { return double(job, false) }
				seen := make(map[int]int)
				for o := range Run(t.Context(), feed(t.Context(), jobs), handle) {
					if o.Err != nil || o.Value != o.Job*2 {
						t.Errorf("job %d: got (%d, %v), want (%d, nil)", o.Job, o.Value, o.Err, o.Job*2)
					}
					seen[o.Job]++
				}
				for job := 1; job <= jobs; job++ {
					if seen[job] != 1 {
						t.Errorf("job %d: %d outcomes, want exactly 1", job, seen[job])
					}
				}
			})
		})
	}
}

func TestJobsOverlap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sleep := func(ctx context.Context, job int) (int, error) {
			time.Sleep(time.Second)
			return job, nil
		}
		began := time.Now()
		for range Run(t.Context(), feed(t.Context(), 10), sleep) {
		}
		// Ten one-second jobs in one second: all ran at once, not in turn.
		if elapsed := time.Since(began); elapsed != time.Second {
			t.Errorf("took %v, want 1s", elapsed)
		}
	})
}

func TestFailingJobReportsItsErrorAndLosesNoOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		handle := func(ctx context.Context, job int) (int, error) {
			if job == 4 {
				panic("bad job")
			}
			return double(job, true)
		}
		outcomes := 0
		for o := range Run(t.Context(), feed(t.Context(), 7), handle) {
			outcomes++
			var panicked *PanicError
			switch {
			case o.Job == 4 && !errors.As(o.Err, &panicked):
				t.Errorf("job 4: err = %v, want its panic", o.Err)
			case o.Job%3 == 0 && !errors.Is(o.Err, errBoom):
				t.Errorf("job %d: err = %v, want errBoom", o.Job, o.Err)
			case o.Job != 4 && o.Job%3 != 0 && o.Err != nil:
				t.Errorf("job %d: err = %v, want none", o.Job, o.Err)
			}
		}
		if outcomes != 7 {
			t.Errorf("got %d outcomes, want 7", outcomes)
		}
	})
}

// A source that sends three jobs, then blocks: the fan-out waits for more
// until ctx is cancelled, which also stops the three running jobs.
func TestCancelStopsIntakeAndTheRunningJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		jobs := make(chan int)
		go func() {
			for job := 1; job <= 3; job++ {
				jobs <- job
			}
		}()
		var running atomic.Int32
		waitForCancel := func(ctx context.Context, job int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			<-ctx.Done()
			return 0, ctx.Err()
		}
		outcomes := Run(ctx, jobs, waitForCancel)
		synctest.Wait()
		cancel()
		received := 0
		for o := range outcomes {
			received++
			if !errors.Is(o.Err, context.Canceled) {
				t.Errorf("job %d: err = %v, want context.Canceled", o.Job, o.Err)
			}
		}
		if received != 3 || running.Load() != 0 {
			t.Errorf("%d outcomes and %d jobs still running, want 3 and none", received, running.Load())
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, jobs, Handler[int, int](nil))
	})
}
