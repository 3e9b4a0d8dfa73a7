// Package prodcons connects producers to consumers through a bounded buffer.
//
// The buffer is a buffered channel: a producer's put blocks while it is
// full (backpressure), a consumer blocks while it is empty. Run owns the
// channel, so Run closes it, once, after the last producer has returned;
// that close is what tells every consumer the input has ended. No sentinel
// values, and no producer ever closes a channel another producer sends on.
//
// A failing item is handed to the caller as it happens, not collected: Run
// holds nothing of an item once its consumer is done with it, so a service
// that runs for days with failing input does not grow.
//
// A panic is the failure of the call that raised it, not of the program:
// a consumer's panic is recovered and becomes that item's error, a
// *PanicError with the panic value and stack, and the consumer goes on to
// the next item; a producer's panic ends that producer, as an error would.
package prodcons

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// Producer makes items and hands each to put, which blocks while the buffer
// is full. put returns ctx.Err() if ctx is cancelled first; the producer
// should then return.
type Producer[T any] func(ctx context.Context, put func(T) error) error

// Consumer processes one item on the consumer numbered consumer (1..n).
type Consumer[T any] func(ctx context.Context, consumer int, item T) error

// PanicError is the error of a consumer or producer call that panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, taken where it was recovered
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, such as a
// runtime.Error, so that errors.Is and errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Run runs the producers and n consumers connected by a buffer of capacity
// items, and returns when every producer and consumer has returned: after
// every item has been consumed, or soon after ctx is cancelled (items still
// in the buffer are then dropped).
//
// When consume returns an error or panics, Run calls failed with the
// consumer, the item and the error, on that consumer's goroutine, before
// the consumer takes another item; failed must not be nil, and it is
// called from several consumers at once. A failing item does not stop the
// others. Run's own error joins the errors the producers returned or
// panicked with, one at most per producer.
//
// Run panics if capacity or n is less than 1: without a consumer the
// producers would wait forever, and a buffer of 0 would hold nothing, only
// hand items over.
func Run[T any](ctx context.Context, capacity int, producers []Producer[T], n int,
	consume Consumer[T], failed func(consumer int, item T, err error)) error {
	if capacity < 1 {
		panic(fmt.Sprintf("prodcons: Run needs a buffer of at least 1 item, got %d", capacity))
	}
	if n < 1 {
		panic(fmt.Sprintf("prodcons: Run needs at least 1 consumer, got %d", n))
	}
	buffer := make(chan T, capacity)
	// put blocks while the buffer is full, unless ctx is cancelled: a
	// producer must never be stuck on a buffer nobody will drain.
	put := func(item T) error {
		select {
		case buffer <- item:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	var consumers sync.WaitGroup
	for consumer := 1; consumer <= n; consumer++ {
		consumers.Go(func() {
			// select picks at random among ready cases, so without this
			// check a consumer could keep taking buffered items long after
			// ctx was cancelled.
			for ctx.Err() == nil {
				select {
				case item, ok := <-buffer:
					if !ok {
						return // closed and empty: the input has ended
					}
					if err := consumeOne(ctx, consume, consumer, item); err != nil {
						failed(consumer, item, err)
					}
				case <-ctx.Done():
					return
				}
			}
		})
	}

	// Each producer writes only its own slot, so no lock is needed.
	producerErrs := make([]error, len(producers))
	var producing sync.WaitGroup
	for i, produce := range producers {
		producing.Go(func() { producerErrs[i] = produceAll(ctx, produce, put) })
	}
	producing.Wait()
	// Every sender has returned, so no send can follow: this is the one
	// safe moment to close. Consumers drain what is left, then see the close.
	close(buffer)
	consumers.Wait()
	return errors.Join(producerErrs...)
}

// consumeOne calls consume on one item and turns a panic into that item's
// *PanicError, so one bad item neither crashes the program nor stops its
// consumer.
func consumeOne[T any](ctx context.Context, consume Consumer[T], consumer int, item T) (err error) {
	defer recoverInto(&err)
	return consume(ctx, consumer, item)
}

// produceAll calls produce and turns a panic into its *PanicError. The
// producer is over either way; the close of the buffer still waits for it,
// so the others are unaffected.
func produceAll[T any](ctx context.Context, produce Producer[T], put func(T) error) (err error) {
	defer recoverInto(&err)
	return produce(ctx, put)
}

// recoverInto, deferred, stores a panic of the calling function in *err.
func recoverInto(err *error) {
	if p := recover(); p != nil {
		*err = &PanicError{Value: p, Stack: debug.Stack()}
	}
}
