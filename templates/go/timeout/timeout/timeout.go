// Package timeout runs each job under its own deadline.
//
// The deadline travels in the context, and the handler stops itself when
// the context is done. Call waits for it to return, so when Call returns
// the work has stopped: nothing keeps running, writing or holding a
// connection in the background. The tempting alternative, a select between
// the handler's result and time.After, returns on time but abandons the
// work, which carries on until it finishes (and forever, if it then blocks
// sending a result nobody reads).
package timeout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrTimedOut is returned (wrapped) by Call when the handler ran past its
// deadline and was cancelled.
var ErrTimedOut = errors.New("timed out")

// Handler processes one job. It must return soon after ctx is done: that is
// what makes the deadline hold. Every blocking call in the standard library
// that takes a context does.
type Handler[J, R any] func(ctx context.Context, job J) (R, error)

// Call calls handle on job with a context that is cancelled after timeout,
// and returns its result. When the handler gives up because of that
// deadline (its error is, or wraps, context.DeadlineExceeded and the
// deadline was Call's), the error wraps ErrTimedOut. Anything else is
// returned as it is: a cancellation or deadline of the caller's ctx, so the
// caller can tell "too slow" from "no longer wanted", and an error or panic
// of the handler's own (a panic as a *PanicError), even one that happens
// after the deadline, so a bug is never mistaken for slowness.
func Call[J, R any](ctx context.Context, job J, handle Handler[J, R], timeout time.Duration) (R, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimedOut)
	defer cancel()
	value, err := catchPanic(func() (R, error) { return handle(ctx, job) })
	var panicked *PanicError
	// ctx.Err() is DeadlineExceeded for any deadline; the cause tells ours
	// apart from one that came with the caller's ctx.
	if errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &panicked) &&
		errors.Is(context.Cause(ctx), ErrTimedOut) {
		return value, fmt.Errorf("%w after %v: %w", ErrTimedOut, timeout, err)
	}
	return value, err
}

// Run calls Call for each job from jobs, at most workers at once, and
// returns a channel with one Outcome per job it took, in the order the jobs
// finish. The channel is closed once jobs is closed (or ctx is done) and
// every call has returned.
//
// The caller closes jobs when there is no more work, and must receive from
// the outcomes until the channel is closed, also after cancelling ctx.
// Cancelling ctx stops intake and cancels the calls in flight.
//
// Run panics if workers is less than 1: no job would ever start.
func Run[J, R any](ctx context.Context, jobs <-chan J, handle Handler[J, R], workers int, timeout time.Duration) <-chan Outcome[J, R] {
	if workers < 1 {
		panic(fmt.Sprintf("timeout: Run needs at least 1 worker, got %d", workers))
	}
	outcomes := make(chan Outcome[J, R])
	go func() {
		// A slot is taken before a job is and given back when its call
		// ends, so the channel's capacity bounds the calls in flight.
		slots := make(chan struct{}, workers)
		var running sync.WaitGroup
		for ctx.Err() == nil {
			slots <- struct{}{}
			job, ok := next(ctx, jobs)
			if !ok {
				break
			}
			running.Go(func() {
				defer func() { <-slots }()
				value, err := Call(ctx, job, handle, timeout)
				outcomes <- Outcome[J, R]{Job: job, Value: value, Err: err}
			})
		}
		running.Wait()
		close(outcomes)
	}()
	return outcomes
}
