// Package workerpool processes jobs on a fixed number of goroutines.
//
// The shape is the classic one: the workers range over one jobs channel and
// send outcomes on one channel, and a separate goroutine closes that channel
// once every worker has returned. Nothing is sized to the number of jobs, so
// the pool works the same for five jobs or an endless stream.
package workerpool

import (
	"context"
	"fmt"
	"sync"
)

// Handler processes one job on the worker numbered worker (1..workers). It
// should return soon after ctx is done.
type Handler[J, R any] func(ctx context.Context, job J, worker int) (R, error)

// Run starts workers goroutines that take jobs until jobs is closed, and
// returns a channel with one Outcome per job they took, in the order the
// jobs finish. The channel is closed once every worker has returned.
//
// The caller owns jobs and closes it when there is no more work; jobs may
// block or never end. The caller must receive from the outcomes until the
// channel is closed, also after cancelling ctx: a worker hands every job it
// took to the caller, so one that stops receiving early leaves the workers
// blocked for good. Cancelling ctx stops intake (at most one job per worker
// may race with it) and the handlers see ctx done, so the channel closes as
// soon as the jobs already running return.
//
// A job whose handler returns an error or panics is that job's Outcome, with
// Err set (a *PanicError for a panic); its worker goes on with the next job.
//
// Run panics if workers is less than 1: a pool without workers would never
// take a job, and whoever sends on jobs would wait forever.
func Run[J, R any](ctx context.Context, jobs <-chan J, handle Handler[J, R], workers int) <-chan Outcome[J, R] {
	if workers < 1 {
		panic(fmt.Sprintf("workerpool: Run needs at least 1 worker, got %d", workers))
	}
	outcomes := make(chan Outcome[J, R])
	var running sync.WaitGroup
	for worker := 1; worker <= workers; worker++ {
		running.Go(func() {
			for job, ok := next(ctx, jobs); ok; job, ok = next(ctx, jobs) {
				value, err := catchPanic(func() (R, error) { return handle(ctx, job, worker) })
				// A plain send, not a select on ctx.Done(): the job has run,
				// perhaps with side effects, and its outcome is owed to the
				// caller, who drains the channel until it is closed.
				outcomes <- Outcome[J, R]{Job: job, Value: value, Err: err}
			}
		})
	}
	// Several workers send on outcomes, so none of them may close it. This
	// goroutine closes it once all of them are done, which is what ends the
	// caller's range loop.
	go func() {
		running.Wait()
		close(outcomes)
	}()
	return outcomes
}
