// Package producerconsumer connects a producer to consumers through a
// bounded buffer.
//
// The buffer is a buffered channel: the producer's put blocks while it is
// full (backpressure), a consumer's take blocks while it is empty. The one
// goroutine that puts is the one that closes the buffer, after the last
// job; that close is what tells every consumer the input has ended. No
// sentinel values, and no channel closed while another goroutine sends on it.
package producerconsumer

import (
	"context"
	"fmt"
	"iter"
	"sync"
)

// Handler processes one job on the consumer numbered worker (1..workers).
// It should return soon after ctx is done.
type Handler[J, R any] func(ctx context.Context, job J, worker int) (R, error)

// Run pulls jobs from the producer jobs into a buffer of buffer jobs, which
// workers consumers take out and handle, and returns a channel with one
// Outcome per job the producer yielded, in the order the jobs finish. The
// channel is closed once the producer has returned and every job is done.
//
// The producer may block or never end; its yield blocks while the buffer is
// full, and returns false once ctx is done, when the producer must return.
// The caller must receive from the outcomes until the channel is closed,
// also after cancelling ctx. Cancelling ctx stops the producer and the
// consumers' intake, and the handlers see ctx done; jobs still in the
// buffer are never handled, and come back with ctx's error.
//
// A job whose handler returns an error or panics is that job's Outcome, with
// Err set (a *PanicError for a panic); its consumer goes on with the next
// job.
//
// Run panics if workers or buffer is less than 1: without a consumer the
// producer would wait forever, and a buffer of 0 holds nothing.
func Run[J, R any](ctx context.Context, jobs iter.Seq[J], handle Handler[J, R], workers, buffer int) <-chan Outcome[J, R] {
	if workers < 1 || buffer < 1 {
		panic(fmt.Sprintf("producerconsumer: Run needs at least 1 worker and a buffer of 1, got %d and %d", workers, buffer))
	}
	queue := make(chan J, buffer)
	outcomes := make(chan Outcome[J, R])
	var running sync.WaitGroup
	running.Go(func() {
		defer close(queue) // the sender closes, once it will send no more
		for job := range jobs {
			select {
			case queue <- job:
			case <-ctx.Done():
				outcomes <- Outcome[J, R]{Job: job, Err: ctx.Err()}
				return
			}
		}
	})
	for worker := 1; worker <= workers; worker++ {
		running.Go(func() {
			for job, ok := next(ctx, queue); ok; job, ok = next(ctx, queue) {
				value, err := catchPanic(func() (R, error) { return handle(ctx, job, worker) })
				outcomes <- Outcome[J, R]{Job: job, Value: value, Err: err}
			}
		})
	}
	go func() {
		running.Wait()
		// Stopped by ctx: what is left in the buffer never ran, and the
		// caller hears of it all the same.
		for job := range queue {
			outcomes <- Outcome[J, R]{Job: job, Err: ctx.Err()}
		}
		close(outcomes)
	}()
	return outcomes
}
