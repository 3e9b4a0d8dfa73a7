package gracefulstop

import (
	"context"
	"errors"
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
		handle := func(ctx context.Context, job, worker int) (int, error) { return double(job, true) }
		seen := 0
		for o := range Run(t.Context(), feed(t.Context(), 9), handle, 2, time.Second) {
			if seen++; o.Job%3 == 0 != errors.Is(o.Err, errBoom) {
				t.Errorf("job %d: err = %v", o.Job, o.Err)
			}
		}
		if seen != 9 {
			t.Errorf("%d outcomes, want 9", seen)
		}
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
		for o := range outcomes {
			if !errors.Is(o.Err, ErrDrainTimeout) {
				t.Errorf("job %d: err = %v, want ErrDrainTimeout", o.Job, o.Err)
			}
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
	synctest.Test(t, func(t *testing.T) {
		handle := func(ctx context.Context, job, worker int) (int, error) {
			if job == 2 {
				panic("bad job")
			}
			return job, nil
		}
		seen := 0
		for o := range Run(t.Context(), feed(t.Context(), 5), handle, 1, time.Second) {
			seen++
			var panicked *PanicError
			if (o.Job == 2) != errors.As(o.Err, &panicked) {
				t.Errorf("job %d: err = %v", o.Job, o.Err)
			}
		}
		if seen != 5 {
			t.Errorf("%d outcomes from one worker, want 5", seen)
		}
	})
}

func TestRejectsFewerThanOneWorker(t *testing.T) {
	got := panicValue(func() { Run(t.Context(), make(chan int), Handler[int, int](nil), 0, time.Second) })
	if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
		t.Errorf("panic %q, want one that asks for at least 1 worker", msg)
	}
}
