package producerconsumer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// producer yields what arrives on jobs until it is closed or ctx is done,
// as a producer reading a socket or a queue does.
func producer(ctx context.Context, jobs <-chan int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for {
			select {
			case job, ok := <-jobs:
				if !ok || !yield(job) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

func TestEveryJobConsumedExactlyOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		for _, jobs := range []int{0, 1, 100} {
			t.Run(fmt.Sprintf("%d consumers, %d jobs", workers, jobs), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					handle := func(ctx context.Context, job, worker int) (int, error) { return double(job) }
					checkEachJobOnce(t, Run(t.Context(), producer(t.Context(), feed(t.Context(), jobs)), handle, workers, 2), jobs)
				})
			})
		}
	}
}

func TestBufferHoldsTheProducerBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var produced atomic.Int32
		endless := func(yield func(int) bool) {
			for job := 1; yield(job); job++ {
				produced.Add(1)
			}
		}
		stuck := func(ctx context.Context, job, worker int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		const workers, buffer = 2, 3
		outcomes := Run(ctx, endless, stuck, workers, buffer)
		synctest.Wait()
		// Each consumer holds one job and the buffer is full; the producer
		// waits in yield with the next.
		if got := produced.Load(); got != workers+buffer {
			t.Errorf("producer got %d jobs in, want %d: one per consumer and a full buffer", got, workers+buffer)
		}
		cancel()
		// The jobs in the buffer never ran, and come back all the same,
		// with the one the producer was offering.
		if handed := endedWith(t, outcomes, context.Canceled); handed != workers+buffer+1 {
			t.Errorf("%d outcomes, want %d", handed, workers+buffer+1)
		}
	})
}

// A stop halts the producer at its next yield even while the buffer has
// room, when a put would also be ready: the job it offers comes back
// cancelled, and no further job is taken from it.
func TestStopHaltsTheProducerWithRoomInTheBuffer(t *testing.T) {
	// select picks at random among ready cases: a single run could pass by luck.
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			resume := make(chan struct{})
			var offered atomic.Int32
			producer := func(yield func(int) bool) {
				for job := 1; job <= 100; job++ {
					if job == 2 {
						<-resume // busy elsewhere when the stop comes
					}
					offered.Add(1)
					if !yield(job) {
						return
					}
				}
			}
			stuck := func(ctx context.Context, job, worker int) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			outcomes := Run(ctx, producer, stuck, 1, 100)
			synctest.Wait()
			cancel()
			close(resume)
			if ended := endedWith(t, outcomes, context.Canceled); ended != 2 {
				t.Errorf("%d outcomes, want 2: the running job and the one offered at the stop", ended)
			}
			if got := offered.Load(); got != 2 {
				t.Errorf("the producer offered %d jobs, want 2: none after the stop's first yield", got)
			}
		})
	}
}

// A stop cannot interrupt a producer blocked in its own source: the
// outcomes stay open until the producer yields again, which is why a
// producer that blocks must also end on ctx.
func TestStopReachesABlockedProducerAtItsNextYield(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		source := make(chan int) // never closed, and read without ctx
		deaf := func(yield func(int) bool) {
			for job := range source {
				if !yield(job) {
					return
				}
			}
		}
		outcomes := Run(ctx, deaf, Handler[int, int](nil), 2, 1)
		synctest.Wait()
		cancel()
		synctest.Wait()
		select {
		case o, open := <-outcomes:
			t.Fatalf("outcome %+v (open %v) while the producer is blocked, want none yet", o, open)
		default:
		}
		source <- 7 // the next yield: it returns false, and the producer returns
		if ended := endedWith(t, outcomes, context.Canceled); ended != 1 {
			t.Errorf("%d outcomes, want 1: job 7, offered after the stop", ended)
		}
	})
}

// More consumers than jobs: once the input ends, every consumer must learn
// it and return, which a single end-of-input sentinel does not achieve.
func TestEveryConsumerReturnsWhenInputEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running atomic.Int32
		handle := func(ctx context.Context, job, worker int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			time.Sleep(time.Second)
			return job, nil
		}
		for range Run(t.Context(), producer(t.Context(), feed(t.Context(), 2)), handle, 5, 1) {
		}
		if running.Load() != 0 {
			t.Error("a consumer is still running after the outcomes closed")
		}
	})
}

func TestFailingJobDoesNotStopItsConsumer(t *testing.T) {
	// One consumer, which meets every bad job.
	checkFailurePolicy(t, func(ctx context.Context, jobs <-chan int, handle func(int) (int, error)) <-chan Outcome[int, int] {
		return Run(ctx, producer(ctx, jobs), func(ctx context.Context, job, worker int) (int, error) { return handle(job) }, 1, 1)
	})
}

// A producer that panics ends the intake; its jobs are still handled, and
// the panic comes back as one more outcome, with a zero Job.
func TestPanickingProducerIsAnOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken := func(yield func(int) bool) {
			for job := 1; job <= 3 && yield(job); job++ {
			}
			panic("source broke")
		}
		handle := func(ctx context.Context, job, worker int) (int, error) { return double(job) }
		jobs, panics := 0, 0
		for o := range Run(t.Context(), broken, handle, 2, 1) {
			var panicked *PanicError
			switch {
			case o.Job == 0 && errors.As(o.Err, &panicked) && panicked.Value == "source broke":
				panics++
			case o.Err == nil && o.Value == o.Job*2:
				jobs++
			default:
				t.Errorf("unexpected outcome %+v", o)
			}
		}
		if jobs != 3 || panics != 1 {
			t.Errorf("%d jobs handled and %d panics, want 3 and 1", jobs, panics)
		}
	})
}

func TestStopWakesWorkersWaitingForInput(t *testing.T) {
	stopWhileIdle(t, func(ctx context.Context, jobs <-chan int) <-chan Outcome[int, int] {
		return Run(ctx, producer(ctx, jobs), Handler[int, int](nil), 3, 1)
	})
}

func TestRejectsNoConsumerOrNoBuffer(t *testing.T) {
	for _, tt := range []struct{ workers, buffer int }{{0, 1}, {1, 0}, {-1, -1}} {
		got := panicValue(func() { Run(t.Context(), producer(t.Context(), nil), Handler[int, int](nil), tt.workers, tt.buffer) })
		if msg := fmt.Sprint(got); !strings.Contains(msg, "at least 1 worker and a buffer of 1") {
			t.Errorf("%d workers, buffer %d: panic %q", tt.workers, tt.buffer, msg)
		}
	}
}
