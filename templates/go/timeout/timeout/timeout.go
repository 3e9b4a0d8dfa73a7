// Package timeout runs an operation under its own deadline.
//
// The deadline travels in the context, and the operation stops itself when
// the context is done. Do waits for it to return, so when Do returns the
// operation has stopped: nothing keeps running, writing or holding a
// connection in the background. The tempting alternative, a select between
// the operation's result and time.After, returns on time but abandons the
// operation, which carries on (and leaks its goroutine) until it finishes.
package timeout

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimedOut is returned (wrapped) by Do when the operation ran past its
// deadline and was cancelled.
var ErrTimedOut = errors.New("timed out")

// Do calls op with a context that is cancelled after limit, and returns
// its result. If op fails after the deadline has passed, the error wraps
// ErrTimedOut; a cancellation of ctx itself is returned as it is, so the
// caller can tell "too slow" from "no longer wanted".
//
// op must return promptly once its context is done: that is what makes the
// deadline hold. Every blocking call in the standard library that takes a
// context does.
func Do[T any](ctx context.Context, limit time.Duration, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, limit, ErrTimedOut)
	defer cancel()
	result, err := op(ctx)
	// The cause tells our own deadline apart from a deadline or
	// cancellation that came with the caller's ctx.
	if err != nil && errors.Is(context.Cause(ctx), ErrTimedOut) {
		return result, fmt.Errorf("%w after %v: %w", ErrTimedOut, limit, err)
	}
	return result, err
}
