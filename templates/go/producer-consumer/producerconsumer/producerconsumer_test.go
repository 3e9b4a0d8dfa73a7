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
					handle := func(ctx context.Context, job, worker int) (int, error) { return double(job, false) }
					seen := make(map[int]int)
					for o := range Run(t.Context(), producer(t.Context(), feed(t.Context(), jobs)), handle, workers, 2) {
						if o.Err != nil || o.Value != o.Job*2 {
							t.Errorf("job %d: got (%d, %v)", o.Job, o.Value, o.Err)
						}
						seen[o.Job]++
					}
					for job := 1; job <= jobs; job++ {
						if seen[job] != 1 {
							t.Errorf("job %d consumed %d times, want once", job, seen[job])
						}
					}
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
		handed := 0
		for o := range outcomes {
			handed++
			if !errors.Is(o.Err, context.Canceled) {
				t.Errorf("job %d: err = %v, want context.Canceled", o.Job, o.Err)
			}
		}
		// The jobs in the buffer never ran, and come back all the same,
		// with the one the producer was offering.
		if handed != workers+buffer+1 {
			t.Errorf("%d outcomes, want %d", handed, workers+buffer+1)
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
	synctest.Test(t, func(t *testing.T) {
		handle := func(ctx context.Context, job, worker int) (int, error) {
			if job == 4 {
				panic("bad job")
			}
			return double(job, true)
		}
		outcomes := 0
		for o := range Run(t.Context(), producer(t.Context(), feed(t.Context(), 10)), handle, 1, 1) {
			outcomes++
			var panicked *PanicError
			if o.Job == 4 && !errors.As(o.Err, &panicked) || o.Job%3 == 0 && !errors.Is(o.Err, errBoom) {
				t.Errorf("job %d: err = %v", o.Job, o.Err)
			}
		}
		if outcomes != 10 {
			t.Errorf("%d outcomes from one consumer, want 10", outcomes)
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
