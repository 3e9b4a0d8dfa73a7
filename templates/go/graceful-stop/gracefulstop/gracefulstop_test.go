package graceful

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: time is virtual, so drain deadlines
// are exact, and the test fails if a goroutine is still blocked when it
// ends (a leak).

// endless sends 1, 2, 3... until ctx is done, then closes the channel.
func endless(ctx context.Context) <-chan int {
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for job := 1; ; job++ {
			select {
			case jobs <- job:
			case <-ctx.Done():
				return
			}
		}
	}()
	return jobs
}

// journal records what handlers did, and when.
type journal struct {
	mu        sync.Mutex
	started   []time.Time
	finished  int
	cancelled int
	running   int
}

// handler returns a Handler whose jobs take work, or until cancelled.
func (j *journal) handler(work time.Duration) Handler[int] {
	return func(ctx context.Context, worker, job int) {
		j.mu.Lock()
		j.started = append(j.started, time.Now())
		j.running++
		j.mu.Unlock()
		timer := time.NewTimer(work)
		defer timer.Stop()
		select {
		case <-timer.C:
			j.mu.Lock()
			j.finished++
			j.mu.Unlock()
		case <-ctx.Done():
			j.mu.Lock()
			j.cancelled++
			j.mu.Unlock()
		}
		j.mu.Lock()
		j.running--
		j.mu.Unlock()
	}
}

// noPanics returns a panic callback for Serve that fails the test.
func noPanics(t *testing.T) func(int, int, *PanicError) {
	return func(worker, job int, err *PanicError) {
		t.Errorf("worker %d: job %d: %v", worker, job, err)
	}
}

func TestEndsWhenTheSourceRunsDry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jobs := make(chan int)
		go func() {
			defer close(jobs)
			for job := range 10 {
				jobs <- job
			}
		}()
		var j journal
		began := time.Now()
		if err := Serve(t.Context(), 3, time.Second, jobs, j.handler(time.Second), noPanics(t)); err != nil {
			t.Fatal(err)
		}
		if j.finished != 10 {
			t.Errorf("%d jobs finished, want 10", j.finished)
		}
		if elapsed := time.Since(began); elapsed != 4*time.Second {
			t.Errorf("10 one-second jobs on 3 workers took %v, want 4s", elapsed)
		}
	})
}

func TestStopDrainsInFlightJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, stop := context.WithCancel(t.Context())
		var j journal
		done := make(chan error)
		go func() { done <- Serve(ctx, 3, 5*time.Second, endless(ctx), j.handler(time.Second), noPanics(t)) }()

		time.Sleep(2500 * time.Millisecond) // mid-way through the third round
		stopped := time.Now()
		stop()
		if err := <-done; err != nil {
			t.Fatalf("err = %v, want nil: the jobs finished well within the drain", err)
		}
		if elapsed := time.Since(stopped); elapsed != 500*time.Millisecond {
			t.Errorf("Serve returned %v after the stop, want 500ms (the rest of the jobs in flight)", elapsed)
		}
		if j.finished != 9 || j.cancelled != 0 {
			t.Errorf("%d jobs finished and %d cancelled, want 9 and 0", j.finished, j.cancelled)
		}
		for _, at := range j.started {
			if at.After(stopped) {
				t.Errorf("a job started %v after the stop", at.Sub(stopped))
			}
		}
	})
}

func TestDrainDeadlineCancelsStuckJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, stop := context.WithCancel(t.Context())
		var j journal
		time.AfterFunc(time.Second, stop)
		began := time.Now()
		err := Serve(ctx, 3, 2*time.Second, endless(ctx), j.handler(time.Hour), noPanics(t))
		if !errors.Is(err, ErrDrainTimeout) {
			t.Errorf("err = %v, want ErrDrainTimeout", err)
		}
		if elapsed := time.Since(began); elapsed != 3*time.Second {
			t.Errorf("returned after %v, want 3s (stop at 1s + 2s of drain)", elapsed)
		}
		if j.cancelled != 3 || j.running != 0 {
			t.Errorf("%d jobs cancelled and %d still running, want 3 and 0", j.cancelled, j.running)
		}
	})
}

func TestIdleWorkersBlockAndStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, stop := context.WithCancel(t.Context())
		never := make(chan int) // a source with nothing to do
		var j journal
		done := make(chan error)
		go func() { done <- Serve(ctx, 3, time.Second, never, j.handler(time.Second), noPanics(t)) }()
		// Wait returns only once every goroutine is durably blocked: a
		// worker polling for jobs in a loop would never let it return.
		synctest.Wait()
		stop()
		if err := <-done; err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		if len(j.started) != 0 {
			t.Errorf("%d jobs started from an empty source", len(j.started))
		}
	})
}

func TestPanicIsThatJobsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jobs := make(chan int)
		go func() {
			defer close(jobs)
			for job := 1; job <= 10; job++ {
				jobs <- job
			}
		}()
		var mu sync.Mutex
		var handled, panicked []int
		handle := func(ctx context.Context, worker, job int) {
			if job%3 == 0 {
				panic(fmt.Sprintf("job %d", job))
			}
			time.Sleep(time.Second)
			mu.Lock()
			handled = append(handled, job)
			mu.Unlock()
		}
		report := func(worker, job int, err *PanicError) {
			if want := fmt.Sprintf("job %d", job); err.Value != want || len(err.Stack) == 0 {
				t.Errorf("job %d: %v, want its own panic with a stack", job, err)
			}
			mu.Lock()
			panicked = append(panicked, job)
			mu.Unlock()
		}
		began := time.Now()
		if err := Serve(t.Context(), 2, time.Second, jobs, handle, report); err != nil {
			t.Fatal(err)
		}
		// Seven one-second jobs on two workers take four seconds; a worker
		// lost to a panic would leave one to do the rest alone.
		if elapsed := time.Since(began); elapsed != 4*time.Second {
			t.Errorf("took %v, want 4s", elapsed)
		}
		slices.Sort(handled)
		slices.Sort(panicked)
		if want := []int{1, 2, 4, 5, 7, 8, 10}; !slices.Equal(handled, want) {
			t.Errorf("jobs handled: %v, want %v", handled, want)
		}
		if want := []int{3, 6, 9}; !slices.Equal(panicked, want) {
			t.Errorf("panics reported: %v, want %v", panicked, want)
		}
	})
}

func TestRejectsWorkerCountBelowOne(t *testing.T) {
	for _, workers := range []int{0, -1} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var j journal
				got := panicValue(func() {
					// Without the check, Serve returned nil at once, as if
					// the source had run dry, and its sender waited forever.
					Serve(t.Context(), workers, time.Second, endless(t.Context()), j.handler(time.Second), noPanics(t))
				})
				if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker") {
					t.Errorf("Serve with %d workers: panic %q, want one that asks for at least 1 worker", workers, msg)
				}
				if len(j.started) != 0 {
					t.Errorf("%d jobs started on a service that was refused", len(j.started))
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
