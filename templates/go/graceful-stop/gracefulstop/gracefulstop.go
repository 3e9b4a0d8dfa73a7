// Package gracefulstop runs workers that take jobs until they are told to
// stop, then let the jobs in flight finish, up to a drain deadline.
//
// Two contexts do the work. The caller's ctx means "stop taking jobs": when
// it is done, each worker finishes its current job and returns. The jobs
// themselves run under a separate context that the stop does not cancel,
// only the drain deadline, so a stop never interrupts a job that would have
// finished in time.
package gracefulstop

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrDrainTimeout is the cause of the handlers' context when the drain
// deadline cancels the jobs still running.
var ErrDrainTimeout = errors.New("drain deadline passed: in-flight jobs cancelled")

// Handler processes one job on the worker numbered worker (1..workers). It
// must return soon after ctx is done; ctx is cancelled only by the drain
// deadline.
type Handler[J, R any] func(ctx context.Context, job J, worker int) (R, error)

// Run starts workers goroutines that take jobs and handle them, and returns
// a channel with one Outcome per job they took, in the order the jobs
// finish. The channel is closed once every worker has returned: when jobs is
// closed and drained, or after a stop.
//
// The caller stops the service by cancelling ctx. The workers then take no
// new job (a job received as the stop arrives, at most one per worker, is
// still handled), and the jobs in flight get up to drain to finish; after
// that their context is cancelled with the cause ErrDrainTimeout. The caller
// must receive from the outcomes until the channel is closed.
//
// A job whose handler returns an error or panics is that job's Outcome, with
// Err set (a *PanicError for a panic); its worker goes on with the next job.
//
// Run panics if workers is less than 1: a service without workers would
// never take a job, and whoever sends on jobs would wait forever.
func Run[J, R any](ctx context.Context, jobs <-chan J, handle Handler[J, R], workers int, drain time.Duration) <-chan Outcome[J, R] {
	if workers < 1 {
		panic(fmt.Sprintf("gracefulstop: Run needs at least 1 worker, got %d", workers))
	}
	// WithoutCancel keeps ctx's values but not its cancellation: stopping
	// intake must not cancel the jobs.
	jobCtx, cancelJobs := context.WithCancelCause(context.WithoutCancel(ctx))
	outcomes := make(chan Outcome[J, R])
	var running sync.WaitGroup
	for worker := 1; worker <= workers; worker++ {
		running.Go(func() {
			for job, ok := next(ctx, jobs); ok; job, ok = next(ctx, jobs) {
				value, err := catchPanic(func() (R, error) { return handle(jobCtx, job, worker) })
				outcomes <- Outcome[J, R]{Job: job, Value: value, Err: err}
			}
		})
	}
	stopped := make(chan struct{})
	go func() {
		running.Wait()
		close(stopped)
		close(outcomes)
	}()
	go func() {
		defer cancelJobs(nil)
		select {
		case <-stopped:
			return // the source ran dry and every job is done
		case <-ctx.Done():
		}
		// The drain: wait for the jobs in flight, but not past the deadline.
		deadline := time.NewTimer(drain)
		defer deadline.Stop()
		select {
		case <-stopped:
		case <-deadline.C:
			cancelJobs(ErrDrainTimeout)
		}
	}()
	return outcomes
}
