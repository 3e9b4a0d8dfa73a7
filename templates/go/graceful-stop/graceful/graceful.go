// Package graceful runs workers that take jobs until they are told to stop,
// then let the jobs in flight finish, up to a deadline.
//
// Two contexts do the work. The caller's ctx means "stop taking jobs":
// when it is done, each worker finishes its current job and returns. The
// jobs themselves run under a separate context that is not cancelled by
// the stop, only by the drain deadline, so a stop request never interrupts
// a job that would have finished in time.
package graceful

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrDrainTimeout is returned by Serve when jobs were still running at the
// drain deadline and had to be cancelled.
var ErrDrainTimeout = errors.New("drain deadline passed: in-flight jobs cancelled")

// Handler processes one job on the worker numbered worker (1..n). It must
// return soon after ctx is done; ctx is cancelled only by the drain
// deadline. Reporting the job's outcome is up to the handler, as in an
// HTTP handler.
type Handler[J any] func(ctx context.Context, worker int, job J)

// Serve runs n workers that take jobs from jobs and handle them, until jobs
// is closed and drained (it returns nil) or ctx is done. Once ctx is done
// no worker takes another job; jobs in flight get up to drain to finish,
// after which their context is cancelled and Serve returns ErrDrainTimeout.
// Either way, every handler has returned when Serve returns.
func Serve[J any](ctx context.Context, n int, drain time.Duration, jobs <-chan J, handle Handler[J]) error {
	// WithoutCancel keeps ctx's values but not its cancellation: stopping
	// intake must not cancel the jobs.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	var workers sync.WaitGroup
	for worker := 1; worker <= n; worker++ {
		workers.Go(func() {
			// select picks at random among ready cases; checking ctx first
			// makes sure no job is taken after the stop.
			for ctx.Err() == nil {
				select {
				case job, ok := <-jobs:
					if !ok {
						return
					}
					handle(jobCtx, worker, job)
				case <-ctx.Done():
					return
				}
			}
		})
	}
	finished := make(chan struct{})
	go func() {
		workers.Wait()
		close(finished)
	}()

	select {
	case <-finished:
		return nil // the source ran dry and every job is done
	case <-ctx.Done():
	}
	// Stop requested. The workers take nothing new; wait for the jobs in
	// flight, but not past the drain deadline.
	deadline := time.NewTimer(drain)
	defer deadline.Stop()
	select {
	case <-finished:
		return nil
	case <-deadline.C:
		cancelJobs()
		<-finished
		return ErrDrainTimeout
	}
}
