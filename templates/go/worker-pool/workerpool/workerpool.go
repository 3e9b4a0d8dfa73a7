// Package workerpool processes jobs on a fixed number of goroutines.
//
// The shape is the classic one: n workers range over one jobs channel and
// send outcomes on one results channel, and a separate goroutine closes the
// results channel once every worker has returned. Nothing is sized to the
// number of jobs, so the pool works the same for five jobs or five million.
//
// The caller must drain the results channel until it is closed, also after
// cancelling ctx: every job a worker took ends in a result the caller
// receives, so nothing that ran goes unreported. A caller that stops
// receiving early leaves workers blocked on their sends for good.
//
// A job that panics is that job's failure, not the program's: the panic is
// recovered on the worker that ran it and becomes the job's error, a
// *PanicError with the panic value and stack, and the worker goes on to the
// next job.
package workerpool

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Handler processes one job on the worker numbered worker (1..n).
type Handler[J, R any] func(ctx context.Context, worker int, job J) (R, error)

// Result is the outcome of one job.
type Result[J, R any] struct {
	Job   J
	Value R
	Err   error // non-nil when the handler returned an error or panicked
}

// PanicError is the Err of a job whose handler panicked.
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

// Run starts n workers that take jobs from jobs until it is closed and
// returns a channel carrying one Result per job, in completion order. The
// channel is closed once every worker has returned.
//
// The caller owns jobs and closes it when there is no more work. The caller
// must receive from the results channel until it is closed, even after
// cancelling ctx: a worker hands every job it took to the caller, so one
// that stops receiving early leaves workers blocked on their sends forever.
// Cancelling ctx makes the channel close soon: the workers take no new job
// (at most one per worker may race with the cancel) and the handlers see
// ctx done, so the caller only waits for the jobs already running.
//
// Run panics if n is less than 1: a pool without workers would never take
// a job, and whoever sends on jobs would wait forever.
func Run[J, R any](ctx context.Context, n int, jobs <-chan J, handle Handler[J, R]) <-chan Result[J, R] {
	if n < 1 {
		panic(fmt.Sprintf("workerpool: Run needs at least 1 worker, got %d", n))
	}
	results := make(chan Result[J, R])
	var workers sync.WaitGroup
	for worker := 1; worker <= n; worker++ {
		workers.Go(func() {
			// select picks at random among ready cases, so without this
			// check a worker could keep taking queued jobs long after ctx
			// was cancelled.
			for ctx.Err() == nil {
				var job J
				var ok bool
				select {
				case job, ok = <-jobs:
					if !ok {
						return
					}
				case <-ctx.Done():
					return
				}
				value, err := call(ctx, handle, worker, job)
				// A plain send, not a select on ctx.Done(): the job has
				// run, perhaps with side effects, and its result is owed to
				// the caller, who drains the channel until it is closed.
				results <- Result[J, R]{Job: job, Value: value, Err: err}
			}
		})
	}
	// Several workers send on results, so none of them may close it. This
	// goroutine closes it once all of them are done, which is what ends the
	// caller's range loop.
	go func() {
		workers.Wait()
		close(results)
	}()
	return results
}

// call runs handle and turns a panic into a PanicError, so one bad job
// cannot take the worker (and the whole program) down with it, and its
// failure still reaches the caller.
func call[J, R any](ctx context.Context, handle Handler[J, R], worker int, job J) (value R, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return handle(ctx, worker, job)
}
