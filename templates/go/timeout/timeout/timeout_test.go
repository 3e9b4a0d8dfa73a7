package timeout

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: time is virtual, so "on time" can be
// checked to the nanosecond without flakiness, and the test fails if a
// goroutine is still blocked when it ends (a leak).

func TestDo(t *testing.T) {
	tests := []struct {
		name         string
		work         time.Duration // how long the operation needs
		limit        time.Duration // Do's deadline
		callerCancel time.Duration // when the caller cancels ctx; 0 = never
		callerLimit  time.Duration // the caller's own deadline on ctx; 0 = none
		wantErr      error         // nil, ErrTimedOut, or the caller's reason
		wantElapsed  time.Duration
	}{
		{name: "no work", work: 0, limit: time.Second, wantElapsed: 0},
		{name: "work shorter than the deadline", work: 500 * time.Millisecond, limit: time.Second, wantElapsed: 500 * time.Millisecond},
		{name: "work just inside the deadline", work: time.Second - time.Nanosecond, limit: time.Second, wantElapsed: time.Second - time.Nanosecond},
		{name: "work past the deadline", work: 2 * time.Second, limit: time.Second, wantErr: ErrTimedOut, wantElapsed: time.Second},
		{name: "caller cancels first", work: 2 * time.Second, limit: time.Second, callerCancel: 300 * time.Millisecond, wantErr: context.Canceled, wantElapsed: 300 * time.Millisecond},
		{name: "caller's deadline is earlier", work: 2 * time.Second, limit: time.Second, callerLimit: 400 * time.Millisecond, wantErr: context.DeadlineExceeded, wantElapsed: 400 * time.Millisecond},
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
				// The operation works for tt.work, then has a side effect
				// (think: writes a row), unless its context is done first.
				op := func(ctx context.Context) (string, error) {
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
				got, err := Do(ctx, tt.limit, op)
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
					t.Errorf("operation still running after Do returned")
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

func TestPanicIsTheOperationsError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		value any
		check func(err error) bool
	}{
		{"with a value", "boom", func(err error) bool { return !errors.Is(err, errBoom) }},
		{"with an error", errBoom, func(err error) bool { return errors.Is(err, errBoom) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := func(ctx context.Context) (string, error) {
					time.Sleep(100 * time.Millisecond)
					panic(tt.value)
				}
				_, err := Do(t.Context(), time.Second, op)
				var p *PanicError
				if !errors.As(err, &p) || p.Value != tt.value || len(p.Stack) == 0 || !tt.check(err) {
					t.Errorf("err = %v, want the operation's panic as a *PanicError, with its stack", err)
				}
				if errors.Is(err, ErrTimedOut) {
					t.Errorf("err = %v: a panic within the deadline reported as a timeout", err)
				}
			})
		})
	}
}

// Only our own deadline makes a timeout. An operation that panics, or fails
// for a reason of its own, after the deadline has passed (in its cleanup,
// say) reports that failure: hiding a bug or a full disk behind "timed out"
// would turn it into an expected outcome.
func TestFailureAfterTheDeadlineIsNotATimeout(t *testing.T) {
	errDiskFull := errors.New("disk full")
	// isPanic reports whether err is the operation's *PanicError itself,
	// not wrapped in ErrTimedOut.
	isPanic := func(err error) bool {
		p, ok := err.(*PanicError)
		return ok && len(p.Stack) > 0
	}
	tests := []struct {
		name  string
		after func(ctx context.Context) error // what the operation does once ctx is done
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
				op := func(ctx context.Context) (string, error) {
					<-ctx.Done()
					return "", tt.after(ctx)
				}
				if _, err := Do(t.Context(), time.Second, op); !tt.check(err) {
					t.Errorf("err = %v (errors.Is ErrTimedOut: %v), want the operation's own failure",
						err, errors.Is(err, ErrTimedOut))
				}
			})
		})
	}
}
