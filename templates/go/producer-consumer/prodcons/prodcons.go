// Package prodcons connects producers to consumers through a bounded buffer.
//
// The buffer is a buffered channel: a producer's put blocks while it is
// full (backpressure), a consumer blocks while it is empty. Run owns the
// channel, so Run closes it, once, after the last producer has returned;
// that close is what tells every consumer the input has ended. No sentinel
// values, and no producer ever closes a channel another producer sends on.
package prodcons

import (
	"context"
	"errors"
	"sync"
)

// Producer makes items and hands each to put, which blocks while the buffer
// is full. put returns ctx.Err() if ctx is cancelled first; the producer
// should then return.
type Producer[T any] func(ctx context.Context, put func(T) error) error

// Consumer processes one item on the consumer numbered consumer (1..n).
type Consumer[T any] func(ctx context.Context, consumer int, item T) error

// Run runs the producers and n consumers connected by a buffer of capacity
// items, and returns when every producer and consumer has returned: after
// every item has been consumed, or soon after ctx is cancelled (items still
// in the buffer are then dropped). The error joins every error the
// producers and consumers returned; a failing item does not stop the others.
func Run[T any](ctx context.Context, capacity int, producers []Producer[T], n int, consume Consumer[T]) error {
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

	var mu sync.Mutex
	var errs []error
	record := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
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
					record(consume(ctx, consumer, item))
				case <-ctx.Done():
					return
				}
			}
		})
	}

	var producing sync.WaitGroup
	for _, produce := range producers {
		producing.Go(func() { record(produce(ctx, put)) })
	}
	producing.Wait()
	// Every sender has returned, so no send can follow: this is the one
	// safe moment to close. Consumers drain what is left, then see the close.
	close(buffer)
	consumers.Wait()
	return errors.Join(errs...)
}
