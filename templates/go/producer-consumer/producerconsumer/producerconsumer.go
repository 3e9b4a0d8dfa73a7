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
// A stop reaches the producer only at its next yield: a producer that
// blocks (reading a socket, say) must also end on ctx, or the outcomes stay
// open until its source wakes it.
//
// The caller must receive from the outcomes until the channel is closed,
// also after cancelling ctx. Cancelling ctx stops the producer and the
// consumers' intake, and the handlers see ctx done; jobs still in the
// buffer are never handled, and come back with ctx's error.
//
// A job whose handler returns an error or panics is that job's Outcome, with
// Err set (a *PanicError for a panic); its consumer goes on with the next
// job. A producer that panics ends the intake as if it had returned: the jobs
// it yielded are still handled, and the panic comes back as one more
// Outcome, with a zero Job and a *PanicError.
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
		// The producer runs on this goroutine: here is the only place its
		// panic can be recovered.
		if offered, err := catchPanic(func() (J, error) { return fill(ctx, jobs, queue) }); err != nil {
			outcomes <- Outcome[J, R]{Job: offered, Err: err}
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

// fill puts each job the producer yields into queue until the producer
// returns. When ctx is done first, it returns the job the producer was
// offering, which never went in, with ctx's error.
func fill[J any](ctx context.Context, jobs iter.Seq[J], queue chan<- J) (offered J, err error) {
	for job := range jobs {
		// select picks at random among ready cases, so without this check
		// a stop with room in the buffer could let the producer go on.
		if ctx.Err() != nil {
			return job, ctx.Err()
		}
		select {
		case queue <- job:
		case <-ctx.Done():
			return job, ctx.Err()
		}
	}
	return offered, nil // the producer ended: nothing on offer
}
