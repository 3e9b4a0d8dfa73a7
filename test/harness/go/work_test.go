package harness

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWorkDoublesTheJobOrFailsEveryKth(t *testing.T) {
	for _, kind := range []string{"io", "cpu"} {
		d := &Demo{Work: kind, WorkMS: 5, FailEvery: 2}
		if got, err := d.work(t.Context(), 3); got != 6 || err != nil {
			t.Errorf("%s job 3: got (%d, %v), want (6, nil)", kind, got, err)
		}
		if _, err := d.work(t.Context(), 4); !errors.Is(err, ErrInjected) {
			t.Errorf("%s job 4: err = %v, want ErrInjected", kind, err)
		}
	}
}

// CPU work checks its context between chunks, so a deadline stops it soon,
// as it stops I/O work.
func TestWorkStopsWhenCancelled(t *testing.T) {
	for _, kind := range []string{"io", "cpu"} {
		d := &Demo{Work: kind, WorkMS: 60_000}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		began := time.Now()
		_, err := d.work(ctx, 1)
		cancel()
		if elapsed := time.Since(began); !errors.Is(err, context.DeadlineExceeded) || elapsed > 5*time.Second {
			t.Errorf("%s: err %v after %v, want DeadlineExceeded soon after 20ms", kind, err, elapsed)
		}
	}
}
