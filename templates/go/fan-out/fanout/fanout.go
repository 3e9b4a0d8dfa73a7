// Package fanout runs a set of tasks at once and waits for all of them.
//
// Every task gets its own goroutine; a WaitGroup is the join. Each goroutine
// writes only its own slot of the result and error slices, so the results
// need no lock and no channel, and they come back in input order.
package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// TaskError is the error of one failed task.
type TaskError struct {
	Index int // position of the task's input
	Err   error
}

func (e *TaskError) Error() string { return fmt.Sprintf("task %d: %v", e.Index, e.Err) }

func (e *TaskError) Unwrap() error { return e.Err }

// Run calls task once for each input, all at once, and returns when every
// call has returned. results[i] is the value for inputs[i] (the zero value
// if that task failed). The error joins a *TaskError for every failed task;
// one failure does not cancel or hide the others. Cancelling ctx is how the
// caller stops the tasks early.
func Run[T, R any](ctx context.Context, inputs []T, task func(context.Context, T) (R, error)) ([]R, error) {
	results := make([]R, len(inputs))
	errs := make([]error, len(inputs))
	var tasks sync.WaitGroup
	for i, input := range inputs {
		tasks.Go(func() {
			value, err := task(ctx, input)
			if err != nil {
				errs[i] = &TaskError{Index: i, Err: err}
				return
			}
			results[i] = value
		})
	}
	// The join: after Wait every task has returned, and the memory model
	// guarantees their writes to results and errs are visible here.
	tasks.Wait()
	return results, errors.Join(errs...)
}
