package fanout

import (
	"context"
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
				handle := func(ctx context.Context, job int) (int, error) { return double(job) }
				checkEachJobOnce(t, Run(t.Context(), feed(t.Context(), jobs), handle), jobs)
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
	checkFailurePolicy(t, func(ctx context.Context, jobs <-chan int, handle func(int) (int, error)) <-chan Outcome[int, int] {
		return Run(ctx, jobs, func(ctx context.Context, job int) (int, error) { return handle(job) })
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
		if received := endedWith(t, outcomes, context.Canceled); received != 3 || running.Load() != 0 {
			t.Errorf("%d outcomes and %d jobs still running, want 3 and none", received, running.Load())
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, jobs, Handler[int, int](nil))
	})
}
