// Package graceful runs workers that take jobs until they are told to stop,
// then let the jobs in flight finish, up to a deadline.
//
// Two contexts do the work. The caller's ctx means "stop taking jobs":
// when it is done, each worker finishes its current job and returns. The
// jobs themselves run under a separate context that is not cancelled by
// the stop, only by the drain deadline, so a stop request never interrupts
// a job that would have finished in time.
//
// A job that panics is that job's failure, not the service's: the panic is
// recovered on the worker that ran it and handed, as a *PanicError with the
// panic value and stack, to the caller's panicked function, and the worker
// goes on to the next job.
package graceful

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
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

// PanicError is what Serve hands to panicked when a Handler panics.
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

// Serve runs n workers that take jobs from jobs and handle them, until jobs
// is closed and drained (it returns nil) or ctx is done. Once ctx is done
// the workers take no new job (a job received as the stop arrives, at most
// one per worker, is still handled); jobs in flight get up to drain to
// finish, after which their context is cancelled and Serve returns
// ErrDrainTimeout.
// Either way, every handler has returned when Serve returns.
//
// A handler that panics never got to report its job's outcome. Serve
// recovers the panic and calls panicked with the worker, the job and the
// *PanicError, on that worker, before the worker takes another job.
// panicked must not be nil.
//
// Serve panics if n is less than 1: a service without workers would never
// take a job, and whoever sends on jobs would wait forever.
func Serve[J any](ctx context.Context, n int, drain time.Duration, jobs <-chan J,
	handle Handler[J], panicked func(worker int, job J, err *PanicError)) error {
	if n < 1 {
		panic(fmt.Sprintf("graceful: Serve needs at least 1 worker, got %d", n))
	}
	// WithoutCancel keeps ctx's values but not its cancellation: stopping
	// intake must not cancel the jobs.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	var workers sync.WaitGroup
	for worker := 1; worker <= n; worker++ {
		workers.Go(func() {
			// select picks at random among ready cases, so without this
			// check a worker could keep taking queued jobs long after the
			// stop. The check and the select are two steps, so a job
			// received just as the stop arrives is still handled: at most
			// one per worker.
			for ctx.Err() == nil {
				select {
				case job, ok := <-jobs:
					if !ok {
						return
					}
					if err := handleOne(jobCtx, handle, worker, job); err != nil {
						panicked(worker, job, err)
					}
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

// handleOne calls handle and returns its panic, if any, as a *PanicError:
// unrecovered, a panic in one job would end the whole service.
func handleOne[J any](ctx context.Context, handle Handler[J], worker int, job J) (err *PanicError) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	handle(ctx, worker, job)
	return nil
}
