package harness

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrInjected is the error of a job that --fail-every makes fail.
var ErrInjected = errors.New("injected failure")

// simulator does the simulated work of one job.
type simulator struct {
	Config
	perMS    int           // cpu: spin rounds one core does per millisecond
	checksum atomic.Uint64 // keeps the spin results alive, so the compiler cannot drop the loop
}

func newSimulator(cfg Config) *simulator {
	s := &simulator{Config: cfg}
	if cfg.Work == "cpu" {
		s.perMS = s.calibrate()
	}
	return s
}

// do does job's work and returns job*2, or ErrInjected (after the work) for
// every FailEvery-th job. It returns ctx.Err() once it notices ctx is done.
func (s *simulator) do(ctx context.Context, job int) (int, error) {
	var err error
	if s.Work == "cpu" {
		err = s.compute(ctx, job)
	} else {
		timer := time.NewTimer(time.Duration(s.WorkMS) * time.Millisecond)
		defer timer.Stop() // a cancelled job leaves no timer running
		select {
		case <-timer.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err == nil && s.FailEvery > 0 && job%s.FailEvery == 0 {
		err = ErrInjected
	}
	if err != nil {
		return 0, err
	}
	return job * 2, nil
}

// compute spins a fixed number of rounds worth WorkMS on one core, rather
// than until the clock says WorkMS has passed: a job that gets less CPU
// takes longer instead of pretending. Between chunks of a millisecond it
// checks ctx, which is how CPU-bound code stays cancellable, and yields, so
// that timers (a deadline) fire on time even when every core is busy.
func (s *simulator) compute(ctx context.Context, job int) error {
	x := uint64(job)
	for range s.WorkMS {
		if err := ctx.Err(); err != nil {
			return err
		}
		x = spin(x, s.perMS)
		runtime.Gosched()
	}
	s.checksum.Add(x)
	return nil
}

// calibrate measures the spin rounds one core does per millisecond, keeping
// the fastest of several tries: a slow one only means the core was busy.
func (s *simulator) calibrate() int {
	const rounds = 1 << 20
	fastest := time.Duration(math.MaxInt64)
	for range 8 {
		began := time.Now()
		s.checksum.Add(spin(1, rounds))
		fastest = min(fastest, time.Since(began))
	}
	return max(1, int(rounds*time.Millisecond/max(fastest, 1)))
}

// spin runs n rounds of a xorshift generator: cheap, branch-free arithmetic
// whose result depends on every round.
func spin(x uint64, n int) uint64 {
	x |= 1 // xorshift is stuck at zero
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}
