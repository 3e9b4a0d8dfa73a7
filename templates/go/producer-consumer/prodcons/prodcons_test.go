package prodcons

import (
	"context"
	"errors"
	"fmt"
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
						if err := Run(t.Context(), capacity, ps, consumers, consume); err != nil {
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
		go func() { done <- Run(t.Context(), capacity, []Producer[int]{produce}, consumers, consume) }()

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
				if err := Run(t.Context(), 2, []Producer[int]{producing(0, items)}, 8, consume); err != nil {
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
		err := Run(t.Context(), 2, []Producer[int]{producing(1, 12)}, 3, consume)
		if !errors.Is(err, errBoom) {
			t.Errorf("err = %v, want the failures reported", err)
		}
		for _, item := range []int{4, 8, 12} {
			if want := fmt.Sprintf("item %d: boom", item); !slices.Contains(strings.Split(err.Error(), "\n"), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if n := consumed.Load(); n != 12 {
			t.Errorf("%d items consumed, want 12", n)
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
		done := make(chan error)
		go func() { done <- Run(ctx, 2, []Producer[int]{endless, endless}, 3, stuck) }()
		// Consumers hold an item each, the buffer is full, both producers
		// are blocked in put: nothing can move until the cancel.
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
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
					Run(t.Context(), tt.capacity, []Producer[int]{producing(1, 5)}, tt.consumers, consume)
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
		err := Run(t.Context(), 2, []Producer[int]{producing(1, 12)}, 3, consume)
		if n := consumed.Load(); n != 12 {
			t.Errorf("%d items consumed, want 12: a panic stopped the others", n)
		}
		var panics []string
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var p *PanicError
			if !errors.As(e, &p) || len(p.Stack) == 0 {
				t.Fatalf("%v is not a *PanicError with a stack", e)
			}
			panics = append(panics, fmt.Sprint(p.Value))
		}
		slices.Sort(panics)
		if want := []string{"item 12", "item 4", "item 8"}; !slices.Equal(panics, want) {
			t.Errorf("panics reported: %q, want %q", panics, want)
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
		err := Run(t.Context(), 1, []Producer[int]{produce, producing(100, 5)}, 2, consume)
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
