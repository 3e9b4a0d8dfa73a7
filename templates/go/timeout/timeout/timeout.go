// Package timeout runs an operation under its own deadline.
//
// The deadline travels in the context, and the operation stops itself when
// the context is done. Do waits for it to return, so when Do returns the
// operation has stopped: nothing keeps running, writing or holding a
// connection in the background. The tempting alternative, a select between
// the operation's result and time.After, returns on time but abandons the
// operation, which carries on until it finishes (and forever, if it then
// blocks sending a result nobody reads).
//
// An operation that panics fails like one that returns an error: Do
// recovers the panic and returns it as a *PanicError with the panic value
// and stack. A caller that runs operations on goroutines of its own, as a
// server does, is then not brought down by one of them.
package timeout

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// ErrTimedOut is returned (wrapped) by Do when the operation ran past its
// deadline and was cancelled.
var ErrTimedOut = errors.New("timed out")

// PanicError is the error of an operation that panicked.
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

// Do calls op with a context that is cancelled after limit, and returns
// its result. When op gives up because of that deadline (its error is, or
// wraps, context.DeadlineExceeded and the deadline was Do's), the error
// wraps ErrTimedOut. Anything else is returned as it is: a cancellation
// or deadline of the caller's ctx, so the caller can tell "too slow" from
// "no longer wanted", and an error or panic of op's own, even one that
// happens after the deadline, so a bug is never mistaken for slowness.
//
// op must return promptly once its context is done: that is what makes the
// deadline hold. Every blocking call in the standard library that takes a
// context does.
func Do[T any](ctx context.Context, limit time.Duration, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, limit, ErrTimedOut)
	defer cancel()
	result, err := call(ctx, op)
	var panicked *PanicError
	// ctx.Err() is DeadlineExceeded for any deadline; the cause tells ours
	// apart from one that came with the caller's ctx.
	if errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &panicked) &&
		errors.Is(context.Cause(ctx), ErrTimedOut) {
		return result, fmt.Errorf("%w after %v: %w", ErrTimedOut, limit, err)
	}
	return result, err
}

// call runs op and turns a panic into a *PanicError.
func call[T any](ctx context.Context, op func(context.Context) (T, error)) (result T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return op(ctx)
}
