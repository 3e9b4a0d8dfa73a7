package prodcons

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: time is virtual, and the test fails
// at once if its goroutines deadlock or are still blocked when it ends (a
// consumer that never learns the input has ended, for instance).

// producing returns a producer that puts the items first..first+n-1.
func producing(first, n int) Producer[int] {
	return func(ctx context.Context, put func(int) error) error {
		for item := first; item < first+n; item++ {
			if err := put(item); err != nil {
				return err
			}
		}
		return nil
	}
}

// noFailures is a failed function for runs where no item may fail.
func noFailures(t *testing.T) func(consumer, item int, err error) {
	return func(consumer, item int, err error) {
		t.Errorf("consumer %d: item %d failed: %v", consumer, item, err)
	}
}

func TestEveryItemConsumedExactlyOnce(t *testing.T) {
	for _, producers := range []int{1, 4} {
		for _, consumers := range []int{1, 3, 16} {
			for _, capacity := range []int{1, 4} {
				name := fmt.Sprintf("%d producers, %d consumers, buffer %d", producers, consumers, capacity)
				t.Run(name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						// Producer p makes p*25 items, so producers finish
						// at different times while others still put.
						var ps []Producer[int]
						want := 0
						for p := 1; p <= producers; p++ {
							ps = append(ps, producing(p*1000, p*25))
							want += p * 25
						}
						var mu sync.Mutex
						seen := make(map[int]int)
						consume := func(ctx context.Context, consumer, item int) error {
							time.Sleep(time.Millisecond)
							mu.Lock()
							seen[item]++
							mu.Unlock()
							return nil
						}
						if err := Run(t.Context(), capacity, ps, consumers, consume, noFailures(t)); err != nil {
							t.Fatal(err)
						}
						if len(seen) != want {
							t.Errorf("%d distinct items consumed, want %d", len(seen), want)
						}
						for item, n := range seen {
							if n != 1 {
								t.Errorf("item %d consumed %d times", item, n)
							}
						}
					})
				})
			}
		}
	}
}

func TestBufferAppliesBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity, consumers, items = 3, 2, 20
		var puts, taken atomic.Int32
		produce := func(ctx context.Context, put func(int) error) error {
			for item := range items {
				if err := put(item); err != nil {
					return err
				}
				puts.Add(1)
			}
			return nil
		}
		gate := make(chan struct{})
		consume := func(ctx context.Context, consumer, item int) error {
			taken.Add(1)
			<-gate
			return nil
		}
		done := make(chan error)
		go func() {
			done <- Run(t.Context(), capacity, []Producer[int]{produce}, consumers, consume, noFailures(t))
		}()

		// Let one item through at a time. Whenever everything is blocked,
		// the producer must be stuck with the buffer exactly full: every
		// item put but not yet taken is in the buffer.
		for {
			synctest.Wait()
			if int(puts.Load()) == items {
				break
			}
			if inBuffer := puts.Load() - taken.Load(); inBuffer != capacity {
				t.Fatalf("producer blocked with %d items in a buffer of %d", inBuffer, capacity)
			}
			gate <- struct{}{}
		}
		close(gate)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestEveryConsumerExitsWhenInputEnds(t *testing.T) {
	for _, items := range []int{0, 3, 100} {
		t.Run(fmt.Sprintf("%d items, 8 consumers", items), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var running atomic.Int32
				consume := func(ctx context.Context, consumer, item int) error {
					running.Add(1)
					defer running.Add(-1)
					time.Sleep(time.Millisecond)
					return nil
				}
				if err := Run(t.Context(), 2, []Producer[int]{producing(0, items)}, 8, consume, noFailures(t)); err != nil {
					t.Fatal(err)
				}
				// Run has returned, so every consumer goroutine has: the
				// bubble would report any still blocked on the buffer.
				if n := running.Load(); n != 0 {
					t.Errorf("%d consumers still running", n)
				}
			})
		})
	}
}

// failures collects what Run hands to failed, by item.
type failures struct {
	mu     sync.Mutex
	byItem map[int]error
}

func (f *failures) record(t *testing.T) func(consumer, item int, err error) {
	f.byItem = make(map[int]error)
	return func(consumer, item int, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, twice := f.byItem[item]; twice {
			t.Errorf("item %d reported as failed twice", item)
		}
		f.byItem[item] = err
	}
}

func TestFailingItemDoesNotStopTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errBoom := errors.New("boom")
		var consumed atomic.Int32
		consume := func(ctx context.Context, consumer, item int) error {
			consumed.Add(1)
			if item%4 == 0 {
				return fmt.Errorf("item %d: %w", item, errBoom)
			}
			return nil
		}
		var failed failures
		if err := Run(t.Context(), 2, []Producer[int]{producing(1, 12)}, 3, consume, failed.record(t)); err != nil {
			t.Errorf("err = %v, want nil: items' failures go to failed, not to Run's error", err)
		}
		if got := slices.Sorted(maps.Keys(failed.byItem)); !slices.Equal(got, []int{4, 8, 12}) {
			t.Errorf("failed items %v, want [4 8 12]", got)
		}
		for item, err := range failed.byItem {
			if want := fmt.Sprintf("item %d: boom", item); !errors.Is(err, errBoom) || err.Error() != want {
				t.Errorf("item %d: err = %v, want %q", item, err, want)
			}
		}
		if n := consumed.Load(); n != 12 {
			t.Errorf("%d items consumed, want 12", n)
		}
	})
}

// Memory is bounded by what is in flight: an item's failure is handed over
// as it happens and nothing of it stays in Run. Collecting every error to
// join them at the end kept about 70 bytes per failed item, for good.
func TestFailuresLeaveNothingBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const warmUp, items = 5_000, 50_000
		errBad := errors.New("bad item")
		var before, after runtime.MemStats
		consume := func(ctx context.Context, consumer, item int) error {
			if item == warmUp {
				runtime.GC()
				runtime.ReadMemStats(&before)
			}
			return fmt.Errorf("item %d: %w", item, errBad)
		}
		var reported int
		failed := func(consumer, item int, err error) { reported++ } // one consumer: no race
		err := Run(t.Context(), 1, []Producer[int]{producing(1, items)}, 1, consume, failed)
		runtime.GC()
		runtime.ReadMemStats(&after)
		if err != nil || reported != items {
			t.Fatalf("err = %v after %d failures, want nil after %d", err, reported, items)
		}
		// A few bytes per item leave room for the runtime's own noise.
		grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		if perItem := grown / (items - warmUp); perItem > 4 {
			t.Errorf("the heap grew by %d bytes over %d failed items (%d bytes each); want it flat", grown, items-warmUp, perItem)
		}
	})
}

func TestCancelUnblocksProducersAndConsumers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		endless := func(ctx context.Context, put func(int) error) error {
			for item := 0; ; item++ {
				if err := put(item); err != nil {
					return err
				}
			}
		}
		stuck := func(ctx context.Context, consumer, item int) error {
			<-ctx.Done()
			return ctx.Err()
		}
		var failed failures
		done := make(chan error)
		go func() { done <- Run(ctx, 2, []Producer[int]{endless, endless}, 3, stuck, failed.record(t)) }()
		// Consumers hold an item each, the buffer is full, both producers
		// are blocked in put: nothing can move until the cancel.
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want the producers' context.Canceled", err)
		}
		if len(failed.byItem) != 3 {
			t.Errorf("%d items failed, want the 3 the consumers held", len(failed.byItem))
		}
		for item, err := range failed.byItem {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("item %d: err = %v, want context.Canceled", item, err)
			}
		}
	})
}

func TestRejectsCountsBelowOne(t *testing.T) {
	tests := []struct {
		capacity, consumers int
		want                string
	}{
		{0, 3, "a buffer of at least 1 item"},
		{-1, 3, "a buffer of at least 1 item"},
		{2, 0, "at least 1 consumer"},
		{2, -1, "at least 1 consumer"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("buffer %d, %d consumers", tt.capacity, tt.consumers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var consumed atomic.Int32
				consume := func(ctx context.Context, consumer, item int) error {
					consumed.Add(1)
					return nil
				}
				// Without the check, no consumers meant a producer blocked
				// forever on a full buffer, and a buffer of 0 silently
				// became an unbuffered hand-over.
				got := panicValue(func() {
					Run(t.Context(), tt.capacity, []Producer[int]{producing(1, 5)}, tt.consumers, consume, noFailures(t))
				})
				if msg := fmt.Sprint(got); !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q, want one that asks for %s", msg, tt.want)
				}
				if n := consumed.Load(); n != 0 {
					t.Errorf("%d items consumed by a run that was refused", n)
				}
			})
		})
	}
}

func TestPanicIsThatItemsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var consumed atomic.Int32
		consume := func(ctx context.Context, consumer, item int) error {
			consumed.Add(1)
			if item%4 == 0 {
				panic(fmt.Sprintf("item %d", item))
			}
			return nil
		}
		var failed failures
		if err := Run(t.Context(), 2, []Producer[int]{producing(1, 12)}, 3, consume, failed.record(t)); err != nil {
			t.Errorf("err = %v, want nil: a consumer's panic is its item's failure", err)
		}
		if n := consumed.Load(); n != 12 {
			t.Errorf("%d items consumed, want 12: a panic stopped the others", n)
		}
		if got := slices.Sorted(maps.Keys(failed.byItem)); !slices.Equal(got, []int{4, 8, 12}) {
			t.Errorf("failed items %v, want [4 8 12]", got)
		}
		for item, err := range failed.byItem {
			var p *PanicError
			if !errors.As(err, &p) || len(p.Stack) == 0 || p.Value != fmt.Sprintf("item %d", item) {
				t.Errorf("item %d: err = %v, want its panic as a *PanicError with a stack", item, err)
			}
		}
	})
}

func TestPanickingProducerEndsTheInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errBroken := errors.New("broken source")
		produce := func(ctx context.Context, put func(int) error) error {
			for item := 1; item <= 3; item++ {
				if err := put(item); err != nil {
					return err
				}
			}
			panic(errBroken)
		}
		var consumed atomic.Int32
		consume := func(ctx context.Context, consumer, item int) error {
			consumed.Add(1)
			return nil
		}
		err := Run(t.Context(), 1, []Producer[int]{produce, producing(100, 5)}, 2, consume, noFailures(t))
		var p *PanicError
		if !errors.As(err, &p) || !errors.Is(err, errBroken) {
			t.Errorf("err = %v, want a *PanicError wrapping %v", err, errBroken)
		}
		if n := consumed.Load(); n != 8 {
			t.Errorf("%d items consumed, want the 8 both producers put", n)
		}
	})
}

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (value any) {
	defer func() { value = recover() }()
	f()
	return nil
}
