// Package fanout starts every job at once and gathers their outcomes.
//
// Each job gets its own goroutine (fan-out), and every goroutine sends its
// outcome on one channel (fan-in), which a separate goroutine closes once
// they have all returned: a WaitGroup is the join.
package fanout

import (
	"context"
	"sync"
)

// Handler processes one job. It should return soon after ctx is done.
type Handler[J, R any] func(ctx context.Context, job J) (R, error)

// Run starts a goroutine for each job as soon as it arrives on jobs, without
// waiting for earlier jobs to end, and returns a channel with one Outcome per
// started job, in the order the jobs finish. The channel is closed once jobs
// is closed and every started job has returned.
//
// The caller closes jobs when there is no more work, and must receive from
// the outcomes until the channel is closed, also after cancelling ctx.
// Cancelling ctx stops intake, and the handlers see ctx done.
//
// Nothing bounds the goroutines: every job that arrives runs at once, and a
// finished one holds its goroutine until you read its outcome. For a large
// or endless source use a worker pool, or bound the source.
//
// A job whose handler returns an error or panics is that job's Outcome, with
// Err set (a *PanicError for a panic); the other jobs carry on.
func Run[J, R any](ctx context.Context, jobs <-chan J, handle Handler[J, R]) <-chan Outcome[J, R] {
	outcomes := make(chan Outcome[J, R])
	go func() {
		var running sync.WaitGroup
		for job, ok := next(ctx, jobs); ok; job, ok = next(ctx, jobs) {
			running.Go(func() {
				value, err := catchPanic(func() (R, error) { return handle(ctx, job) })
				outcomes <- Outcome[J, R]{Job: job, Value: value, Err: err}
			})
		}
		// The join: no job can start after intake ends, so once Wait
		// returns nobody sends on outcomes any more.
		running.Wait()
		close(outcomes)
	}()
	return outcomes
}
