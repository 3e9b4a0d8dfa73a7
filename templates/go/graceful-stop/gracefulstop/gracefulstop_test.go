package gracefulstop

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// sleeper returns a handler whose jobs take work, or until their context is
// cancelled, and counts the jobs started.
func sleeper(work time.Duration, started *atomic.Int32) Handler[int, int] {
	return func(ctx context.Context, job, worker int) (int, error) {
		started.Add(1)
		select {
		case <-time.After(work):
			return job, nil
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
}

func TestEndsWhenTheSourceRunsDry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		handle := func(ctx context.Context, job, worker int) (int, error) { return double(job) }
		checkEachJobOnce(t, Run(t.Context(), feed(t.Context(), 9), handle, 2, time.Second), 9)
	})
}

// An endless source, stopped while two one-second jobs are half done: no
// new job starts, and both finish, unhurt by the stop.
func TestStopDrainsTheJobsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop, cancel := context.WithCancel(t.Context())
		var started atomic.Int32
		outcomes := Run(stop, feed(t.Context(), -1), sleeper(time.Second, &started), 2, 5*time.Second)
		time.AfterFunc(500*time.Millisecond, cancel)
		began := time.Now()
		for o := range outcomes {
			if o.Err != nil {
				t.Errorf("job %d: err = %v, want it to finish", o.Job, o.Err)
			}
		}
		if elapsed := time.Since(began); started.Load() != 2 || elapsed != time.Second {
			t.Errorf("%d jobs started, done after %v; want 2 and 1s", started.Load(), elapsed)
		}
	})
}

func TestDrainDeadlineCancelsStuckJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop, cancel := context.WithCancel(t.Context())
		var started atomic.Int32
		outcomes := Run(stop, feed(t.Context(), -1), sleeper(time.Hour, &started), 2, 300*time.Millisecond)
		synctest.Wait()
		cancel()
		began := time.Now()
		if cancelled := endedWith(t, outcomes, ErrDrainTimeout); cancelled != 2 {
			t.Errorf("%d jobs cancelled by the drain deadline, want 2", cancelled)
		}
		if elapsed := time.Since(began); elapsed != 300*time.Millisecond {
			t.Errorf("returned %v after the stop, want the drain's 300ms", elapsed)
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, jobs, Handler[int, int](nil), 3, time.Hour)
	})
}

func TestPanicDoesNotStopTheService(t *testing.T) {
	// One worker, which meets every bad job.
	checkFailurePolicy(t, func(ctx context.Context, jobs <-chan int, handle func(int) (int, error)) <-chan Outcome[int, int] {
		return Run(ctx, jobs, func(ctx context.Context, job, worker int) (int, error) { return handle(job) }, 1, time.Second)
	})
}

func TestRejectsFewerThanOneWorker(t *testing.T) {
	got := panicValue(func() { Run(t.Context(), make(chan int), Handler[int, int](nil), 0, time.Second) })
	if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
		t.Errorf("panic %q, want one that asks for at least 1 worker", msg)
	}
}
