// Package fanout runs a set of tasks at once and waits for all of them.
//
// Every task gets its own goroutine; a WaitGroup is the join. Each goroutine
// writes only its own slot of the result and error slices, so the results
// need no lock and no channel, and they come back in input order.
//
// A task that panics is that task's failure, not the program's: the panic
// is recovered on the task's goroutine and becomes its error, a *PanicError
// with the panic value and stack, and the other tasks carry on.
package fanout

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// TaskError is the error of one failed task.
type TaskError struct {
	Index int // position of the task's input
	Err   error
}

func (e *TaskError) Error() string { return fmt.Sprintf("task %d: %v", e.Index, e.Err) }

func (e *TaskError) Unwrap() error { return e.Err }

// PanicError is the Err of a task that panicked.
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

// Run calls task once for each input, all at once, and returns when every
// call has returned. results[i] is the value for inputs[i] (the zero value
// if that task failed). The error joins a *TaskError for every failed task,
// whether it returned an error or panicked; one failure does not cancel or
// hide the others. Cancelling ctx is how the caller stops the tasks early.
func Run[T, R any](ctx context.Context, inputs []T, task func(context.Context, T) (R, error)) ([]R, error) {
	results := make([]R, len(inputs))
	errs := make([]error, len(inputs))
	var tasks sync.WaitGroup
	for i, input := range inputs {
		tasks.Go(func() {
			value, err := call(ctx, task, input)
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

// call runs task and turns a panic into a *PanicError: unrecovered, a panic
// on any goroutine ends the whole program.
func call[T, R any](ctx context.Context, task func(context.Context, T) (R, error), input T) (value R, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return task(ctx, input)
}
