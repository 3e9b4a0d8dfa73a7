package fanout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: time is virtual, so sleeps cost
// nothing and durations are exact, and the test fails at once if its
// goroutines deadlock or are still blocked when it ends (a leak).

func count(n int) []int {
	inputs := make([]int, n)
	for i := range inputs {
		inputs[i] = i + 1
	}
	return inputs
}

func double(ctx context.Context, n int) (int, error) {
	time.Sleep(time.Duration(n) * time.Millisecond)
	return n * 2, nil
}

func TestCollectsAllResults(t *testing.T) {
	for _, n := range []int{0, 1, 10, 1000} {
		t.Run(fmt.Sprintf("%d tasks", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				results, err := Run(t.Context(), count(n), double)
				if err != nil {
					t.Fatalf("%d tasks: unexpected error %v", n, err)
				}
				want := make([]int, n)
				for i := range want {
					want[i] = (i + 1) * 2
				}
				if !slices.Equal(results, want) {
					t.Errorf("%d tasks: results = %v, want %v", n, results, want)
				}
			})
		})
	}
}

func TestTasksOverlap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const tasks = 10
		// A barrier that opens only when all tasks have arrived: if Run
		// started them one after another, the first would wait forever and
		// the bubble would report the deadlock.
		var arrived atomic.Int32
		allHere := make(chan struct{})
		meet := func(ctx context.Context, n int) (int, error) {
			if arrived.Add(1) == tasks {
				close(allHere)
			}
			<-allHere
			time.Sleep(time.Second)
			return n, nil
		}
		began := time.Now()
		if _, err := Run(t.Context(), count(tasks), meet); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(began); elapsed != time.Second {
			t.Errorf("ten 1 s tasks took %v, want 1s (the time of one, not the sum)", elapsed)
		}
	})
}

func TestFailureIsReportedAndOthersKept(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		failing []int // indexes of the tasks that fail
	}{
		{"one", []int{0}},
		{"some", []int{2, 5}},
		{"all", []int{0, 1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inputs := count(6)
				task := func(ctx context.Context, n int) (int, error) {
					if slices.Contains(tt.failing, n-1) {
						return 0, errBoom
					}
					return double(ctx, n)
				}
				results, err := Run(t.Context(), inputs, task)
				if !errors.Is(err, errBoom) {
					t.Fatalf("err = %v, want one that wraps %v", err, errBoom)
				}
				var reported []int
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var te *TaskError
					if !errors.As(e, &te) {
						t.Fatalf("%v is not a *TaskError", e)
					}
					reported = append(reported, te.Index)
				}
				if !slices.Equal(reported, tt.failing) {
					t.Errorf("failed tasks reported: %v, want %v", reported, tt.failing)
				}
				for i, n := range inputs {
					if !slices.Contains(tt.failing, i) && results[i] != n*2 {
						t.Errorf("result %d = %d, want %d: a failure lost another task's result", i, results[i], n*2)
					}
				}
			})
		})
	}
}

func TestNothingRunsAfterJoin(t *testing.T) {
	tests := []struct {
		name   string
		cancel bool
	}{
		{"every task finishes", false},
		{"the caller cancels", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancel {
					time.AfterFunc(1500*time.Millisecond, cancel)
				}
				var running, lateEffects atomic.Int32
				var joined atomic.Bool
				// Task n works for n seconds unless cancelled first.
				task := func(ctx context.Context, n int) (int, error) {
					running.Add(1)
					defer running.Add(-1)
					timer := time.NewTimer(time.Duration(n) * time.Second)
					defer timer.Stop()
					select {
					case <-timer.C:
					case <-ctx.Done():
						return 0, ctx.Err()
					}
					if joined.Load() {
						lateEffects.Add(1)
					}
					return n, nil
				}
				_, err := Run(ctx, count(5), task)
				joined.Store(true)
				if tt.cancel != errors.Is(err, context.Canceled) {
					t.Errorf("err = %v", err)
				}
				if n := running.Load(); n != 0 {
					t.Errorf("%d tasks still running after Run returned", n)
				}
				time.Sleep(time.Hour)
				if n := lateEffects.Load(); n != 0 {
					t.Errorf("%d tasks finished their work after Run returned", n)
				}
			})
		})
	}
}

func TestPanicIsThatTasksError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		panicky func()
		check   func(p *PanicError) bool
	}{
		{"with a value", func() { panic("boom") }, func(p *PanicError) bool { return p.Value == "boom" }},
		{"with an error", func() { panic(errBoom) }, func(p *PanicError) bool { return errors.Is(p, errBoom) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				task := func(ctx context.Context, n int) (int, error) {
					if n == 3 {
						tt.panicky()
					}
					return double(ctx, n)
				}
				results, err := Run(t.Context(), count(5), task)
				var te *TaskError
				var p *PanicError
				if !errors.As(err, &te) || te.Index != 2 || !errors.As(err, &p) || !tt.check(p) || len(p.Stack) == 0 {
					t.Fatalf("err = %v, want task 2's *PanicError, with its stack", err)
				}
				if want := []int{2, 4, 0, 8, 10}; !slices.Equal(results, want) {
					t.Errorf("results = %v, want %v: the panic lost another task's result", results, want)
				}
			})
		})
	}
}
