package harness

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// ErrInjected is the error of a job that --fail-every makes fail.
var ErrInjected = errors.New("injected failure")

// work does job's simulated work and returns job*2, or ErrInjected (after
// the work) for every --fail-every-th job. It returns ctx.Err() as soon as
// it sees ctx done.
func (d *Demo) work(ctx context.Context, job int) (int, error) {
	if d.Work == "io" {
		timer := time.NewTimer(time.Duration(d.WorkMS) * time.Millisecond)
		defer timer.Stop() // a cancelled job leaves no timer behind
		select {
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	// CPU work counts only the time it spends spinning, not the clock: a
	// job that gets less CPU takes longer instead of pretending. Between
	// short rounds it checks ctx, which is how CPU-bound code stays
	// cancellable, and yields, so that timers fire on time even when every
	// core is busy.
	for spent := time.Duration(0); d.Work == "cpu" && spent < time.Duration(d.WorkMS)*time.Millisecond && ctx.Err() == nil; {
		began := time.Now()
		runtime.KeepAlive(spin(uint64(job), 1<<14))
		spent += time.Since(began)
		runtime.Gosched()
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	} else if d.FailEvery > 0 && job%d.FailEvery == 0 {
		return 0, ErrInjected
	}
	return job * 2, nil
}

// spin runs n rounds of a xorshift generator: cheap arithmetic whose result
// depends on every round, so that the loop cannot be optimised away.
func spin(x uint64, n int) uint64 {
	x |= 1 // xorshift is stuck at zero
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}
