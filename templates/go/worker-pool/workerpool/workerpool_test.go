package workerpool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: time is virtual, so sleeps cost
// nothing and durations are exact, and the test fails at once if its
// goroutines deadlock or are still blocked when it ends (a leak).

// feed sends jobs on a new channel and closes it, as a pool's caller does.
func feed(ctx context.Context, jobs ...int) <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, job := range jobs {
			select {
			case ch <- job:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

func count(n int) []int {
	jobs := make([]int, n)
	for i := range jobs {
		jobs[i] = i + 1
	}
	return jobs
}

func double(ctx context.Context, worker, job int) (int, error) {
	time.Sleep(time.Millisecond)
	return job * 2, nil
}

func TestResultsMatchInputs(t *testing.T) {
	tests := []struct {
		name          string
		workers, jobs int
	}{
		{"no jobs", 3, 0},
		{"one worker", 1, 10},
		{"fewer jobs than workers", 8, 3},
		{"many jobs", 4, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				seen := make(map[int]int)
				for r := range Run(t.Context(), tt.workers, feed(t.Context(), count(tt.jobs)...), double) {
					if r.Err != nil || r.Value != r.Job*2 {
						t.Errorf("job %d: got (%d, %v), want (%d, nil)", r.Job, r.Value, r.Err, r.Job*2)
					}
					seen[r.Job]++
				}
				for _, job := range count(tt.jobs) {
					if seen[job] != 1 {
						t.Errorf("job %d: %d results, want exactly 1", job, seen[job])
					}
				}
				if len(seen) != tt.jobs {
					t.Errorf("got results for %d jobs, want %d", len(seen), tt.jobs)
				}
			})
		})
	}
}

func TestConcurrencyNeverExceedsWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, jobs = 3, 10
		var running, most atomic.Int32
		slow := func(ctx context.Context, worker, job int) (int, error) {
			now := running.Add(1)
			defer running.Add(-1)
			for old := most.Load(); now > old && !most.CompareAndSwap(old, now); old = most.Load() {
			}
			time.Sleep(time.Second)
			return job * 2, nil
		}
		began := time.Now()
		for range Run(t.Context(), workers, feed(t.Context(), count(jobs)...), slow) {
		}
		if got := most.Load(); got != workers {
			t.Errorf("at most %d jobs ran at once, want exactly %d", got, workers)
		}
		// 10 one-second jobs on 3 workers take 4 rounds: proof that the
		// workers ran side by side and that none sat idle.
		if elapsed := time.Since(began); elapsed != 4*time.Second {
			t.Errorf("took %v, want 4s", elapsed)
		}
	})
}

func TestBadJobNeitherHangsThePoolNorHidesItsError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		misbeh  func() (int, error)
		wantErr func(error) bool
	}{
		{
			name:    "returns an error",
			misbeh:  func() (int, error) { return 0, errBoom },
			wantErr: func(err error) bool { return errors.Is(err, errBoom) },
		},
		{
			name:   "panics",
			misbeh: func() (int, error) { panic("boom") },
			wantErr: func(err error) bool {
				var p *PanicError
				return errors.As(err, &p) && p.Value == "boom" && len(p.Stack) > 0
			},
		},
		{
			name:   "panics with an error",
			misbeh: func() (int, error) { panic(fmt.Errorf("decoding: %w", errBoom)) },
			wantErr: func(err error) bool {
				var p *PanicError
				return errors.As(err, &p) && errors.Is(err, errBoom)
			},
		},
		{
			name: "panics in the runtime",
			misbeh: func() (int, error) {
				var m map[int]int
				m[1]++ // assignment to entry in nil map
				return 0, nil
			},
			wantErr: func(err error) bool {
				var re runtime.Error
				return errors.As(err, &re) && strings.Contains(err.Error(), "nil map")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				handle := func(ctx context.Context, worker, job int) (int, error) {
					if job%3 == 0 {
						return tt.misbeh()
					}
					return double(ctx, worker, job)
				}
				// Two workers and ten jobs: each worker meets a bad job and
				// must carry on with the rest.
				results := 0
				for r := range Run(t.Context(), 2, feed(t.Context(), count(10)...), handle) {
					results++
					if bad := r.Job%3 == 0; bad != (r.Err != nil) || bad && !tt.wantErr(r.Err) {
						t.Errorf("job %d: err = %v", r.Job, r.Err)
					}
				}
				if results != 10 {
					t.Errorf("got %d results, want 10", results)
				}
			})
		})
	}
}

func TestCancelStopsEveryWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var started, running, cancelled atomic.Int32
		waitForCancel := func(ctx context.Context, worker, job int) (int, error) {
			started.Add(1)
			running.Add(1)
			defer running.Add(-1)
			<-ctx.Done()
			cancelled.Add(1)
			return 0, ctx.Err()
		}
		results := Run(ctx, 4, feed(ctx, count(100)...), waitForCancel)
		synctest.Wait()
		if got := running.Load(); got != 4 {
			t.Fatalf("%d jobs running before cancel, want 4", got)
		}
		cancel()
		// The workers take no job after the cancel, so draining the results
		// ends soon, with one result for each job that was running.
		received := 0
		for r := range results {
			received++
			if !errors.Is(r.Err, context.Canceled) {
				t.Errorf("job %d: err = %v, want context.Canceled", r.Job, r.Err)
			}
		}
		if got := started.Load(); got != 4 {
			t.Errorf("%d jobs started, want the 4 running at the cancel and no more", got)
		}
		if got := cancelled.Load(); got != 4 {
			t.Errorf("%d jobs saw the cancellation, want 4", got)
		}
		if received != 4 {
			t.Errorf("received %d results, want one for each of the 4 cancelled jobs", received)
		}
	})
}

// A job that was already running when ctx was cancelled has done its work,
// side effects included; its result must still reach the caller, who keeps
// draining the channel until it is closed.
func TestCancelKeepsTheResultsOfFinishedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Each round has a few jobs in flight at the cancel; a worker that
		// chose between sending and ctx.Done() at random dropped about half
		// of their results, so 20 rounds make a silent loss all but
		// impossible to miss.
		for round := range 20 {
			ctx, cancel := context.WithCancel(t.Context())
			var finished atomic.Int32
			committed := func(ctx context.Context, worker, job int) (int, error) {
				time.Sleep(time.Millisecond) // work that does not watch ctx
				finished.Add(1)
				return job * 2, nil
			}
			received := 0
			for range Run(ctx, 4, feed(ctx, count(100)...), committed) {
				received++
				if received == 10 {
					cancel()
				}
			}
			cancel()
			if got := int(finished.Load()); received != got {
				t.Fatalf("round %d: %d jobs finished, %d results received: %d lost", round, got, received, got-received)
			}
		}
	})
}

func TestRejectsWorkerCountBelowOne(t *testing.T) {
	for _, workers := range []int{0, -1} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var called atomic.Bool
				handle := func(ctx context.Context, worker, job int) (int, error) {
					called.Store(true)
					return job, nil
				}
				got := panicValue(func() {
					// Without the check, Run returned a closed channel at
					// once, leaving the caller's sender blocked forever.
					for range Run(t.Context(), workers, feed(t.Context(), 1, 2, 3), handle) {
					}
				})
				if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
					t.Errorf("Run with %d workers: panic %q, want one that asks for at least 1 worker", workers, msg)
				}
				if called.Load() {
					t.Error("a job ran on a pool that was refused")
				}
			})
		})
	}
}

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (value any) {
	defer func() { value = recover() }()
	f()
	return nil
}
