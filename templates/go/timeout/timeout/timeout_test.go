package timeout

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

func TestCall(t *testing.T) {
	tests := []struct {
		name         string
		work         time.Duration // how long the operation needs
		timeout      time.Duration // Call's deadline
		callerCancel time.Duration // when the caller cancels ctx; 0 = never
		callerLimit  time.Duration // the caller's own deadline on ctx; 0 = none
		wantErr      error         // nil, ErrTimedOut, or the caller's reason
		wantElapsed  time.Duration
	}{
		{name: "no work", work: 0, timeout: time.Second, wantElapsed: 0},
		{name: "work shorter than the deadline", work: 500 * time.Millisecond, timeout: time.Second, wantElapsed: 500 * time.Millisecond},
		{name: "work just inside the deadline", work: time.Second - time.Nanosecond, timeout: time.Second, wantElapsed: time.Second - time.Nanosecond},
		{name: "work past the deadline", work: 2 * time.Second, timeout: time.Second, wantErr: ErrTimedOut, wantElapsed: time.Second},
		{name: "caller cancels first", work: 2 * time.Second, timeout: time.Second, callerCancel: 300 * time.Millisecond, wantErr: context.Canceled, wantElapsed: 300 * time.Millisecond},
		{name: "caller's deadline is earlier", work: 2 * time.Second, timeout: time.Second, callerLimit: 400 * time.Millisecond, wantErr: context.DeadlineExceeded, wantElapsed: 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				if tt.callerCancel > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					time.AfterFunc(tt.callerCancel, cancel)
				}
				if tt.callerLimit > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.callerLimit)
					defer cancel()
				}
				var running, effects atomic.Int32
				// The job works for tt.work, then has a side effect (think:
				// writes a row), unless its context is done first.
				handle := func(ctx context.Context, job int) (string, error) {
					running.Add(1)
					defer running.Add(-1)
					timer := time.NewTimer(tt.work)
					defer timer.Stop()
					select {
					case <-timer.C:
						effects.Add(1)
						return "data", nil
					case <-ctx.Done():
						return "", ctx.Err()
					}
				}

				began := time.Now()
				got, err := Call(ctx, 1, handle, tt.timeout)
				elapsed := time.Since(began)

				if elapsed != tt.wantElapsed {
					t.Errorf("returned after %v, want %v", elapsed, tt.wantElapsed)
				}
				switch {
				case tt.wantErr == nil && (err != nil || got != "data"):
					t.Errorf("got (%q, %v), want (\"data\", nil)", got, err)
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				case tt.wantErr != ErrTimedOut && errors.Is(err, ErrTimedOut):
					t.Errorf("err = %v: the caller's cancellation reported as a timeout", err)
				}
				if n := running.Load(); n != 0 {
					t.Errorf("job still running after Call returned")
				}
				// Long after the work would have finished, a cancelled
				// operation must still have had no effect.
				time.Sleep(time.Hour)
				wantEffects := int32(0)
				if tt.wantErr == nil {
					wantEffects = 1
				}
				if n := effects.Load(); n != wantEffects {
					t.Errorf("%d side effects, want %d", n, wantEffects)
				}
			})
		})
	}
}

// Only Call's own deadline makes a timeout. A job that panics, or fails for
// a reason of its own, after the deadline has passed (in its cleanup, say)
// reports that failure: hiding a bug or a full disk behind "timed out"
// would turn it into an expected outcome.
func TestFailureAfterTheDeadlineIsNotATimeout(t *testing.T) {
	errDiskFull := errors.New("disk full")
	// isPanic reports whether err is the job's *PanicError itself,
	// not wrapped in ErrTimedOut.
	isPanic := func(err error) bool {
		p, ok := err.(*PanicError)
		return ok && len(p.Stack) > 0
	}
	tests := []struct {
		name  string
		after func(ctx context.Context) error // what the job does once ctx is done
		check func(err error) bool
	}{
		{
			name: "panics",
			after: func(ctx context.Context) error {
				var m map[string]int
				m["x"]++ // assignment to entry in nil map
				return nil
			},
			check: func(err error) bool { return isPanic(err) && !errors.Is(err, ErrTimedOut) },
		},
		{
			// errors.Is sees ErrTimedOut through the panic here, which is
			// why a caller checks for a *PanicError first.
			name:  "panics with the context's cause",
			after: func(ctx context.Context) error { panic(context.Cause(ctx)) },
			check: isPanic,
		},
		{
			name:  "returns its own error",
			after: func(ctx context.Context) error { return errDiskFull },
			check: func(err error) bool { return err == errDiskFull },
		},
		{
			name:  "returns its own error, wrapping the context's",
			after: func(ctx context.Context) error { return fmt.Errorf("%w (%w)", errDiskFull, ctx.Err()) },
			check: func(err error) bool { return errors.Is(err, errDiskFull) && errors.Is(err, ErrTimedOut) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				handle := func(ctx context.Context, job int) (string, error) {
					<-ctx.Done()
					return "", tt.after(ctx)
				}
				if _, err := Call(t.Context(), 1, handle, time.Second); !tt.check(err) {
					t.Errorf("err = %v (errors.Is ErrTimedOut: %v), want the job's own failure",
						err, errors.Is(err, ErrTimedOut))
				}
			})
		})
	}
}

func TestRunCompletesJobsWithinTheirDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		quick := func(ctx context.Context, job int) (int, error) {
			time.Sleep(999 * time.Millisecond)
			return double(job)
		}
		checkEachJobOnce(t, Run(t.Context(), feed(t.Context(), 20), quick, 3, time.Second), 20)
	})
}

func TestRunHandsBackFailures(t *testing.T) {
	checkFailurePolicy(t, func(ctx context.Context, jobs <-chan int, handle func(int) (int, error)) <-chan Outcome[int, int] {
		return Run(ctx, jobs, func(ctx context.Context, job int) (int, error) { return handle(job) }, 2, time.Second)
	})
}

func TestRunCancelsTheCallsInFlightOnStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		waitForCancel := func(ctx context.Context, job int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		outcomes := Run(ctx, feed(t.Context(), -1), waitForCancel, 2, time.Hour)
		synctest.Wait()
		cancel()
		// Cancelled, not timed out: the caller no longer wants them.
		if cancelled := endedWith(t, outcomes, context.Canceled); cancelled != 2 {
			t.Errorf("%d calls cancelled, want the 2 running", cancelled)
		}
	})
}

func TestRunGivesEachJobItsOwnDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, most atomic.Int32
		// Job j needs j * 300 ms: jobs 1..3 finish, 4..6 pass the 1 s deadline.
		handle := func(ctx context.Context, job int) (int, error) {
			now := running.Add(1)
			defer running.Add(-1)
			for old := most.Load(); now > old && !most.CompareAndSwap(old, now); old = most.Load() {
			}
			select {
			case <-time.After(time.Duration(job) * 300 * time.Millisecond):
				return job, nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		timedOut := 0
		for o := range Run(t.Context(), feed(t.Context(), 6), handle, 2, time.Second) {
			if errors.Is(o.Err, ErrTimedOut) != (o.Job > 3) {
				t.Errorf("job %d: err = %v", o.Job, o.Err)
			}
			if o.Err != nil {
				timedOut++
			}
		}
		if timedOut != 3 || most.Load() != 2 {
			t.Errorf("%d timed out, %d at once; want 3 and 2", timedOut, most.Load())
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, jobs, Handler[int, int](nil), 2, time.Second)
	})
}

func TestRunRejectsFewerThanOneWorker(t *testing.T) {
	got := panicValue(func() { Run(t.Context(), make(chan int), Handler[int, int](nil), 0, time.Second) })
	if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
		t.Errorf("panic %q, want one that asks for at least 1 worker", msg)
	}
}
