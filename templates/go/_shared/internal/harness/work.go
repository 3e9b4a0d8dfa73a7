package harness

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrInjected is the error of a job that --fail-every makes fail.
var ErrInjected = errors.New("injected failure")

// simulator does the simulated work of one job.
type simulator struct {
	kind      WorkKind
	duration  time.Duration // io: how long to wait
	perMS     int           // cpu: spin iterations one core does per millisecond
	workMS    int
	failEvery int
	checksum  atomic.Uint64 // keeps the spin results alive, so the compiler cannot drop the loop
}

func newSimulator(cfg Config) *simulator {
	s := &simulator{
		kind:      cfg.Work,
		duration:  time.Duration(cfg.WorkMS) * time.Millisecond,
		workMS:    cfg.WorkMS,
		failEvery: cfg.FailEvery,
	}
	if s.kind == CPU {
		s.perMS = s.calibrate()
	}
	return s
}

// work does job's simulated work and returns its result, job*2. It returns
// ctx.Err() as soon as it notices ctx is done, and ErrInjected (after the
// work) for every --fail-every-th job.
func (s *simulator) work(ctx context.Context, job int) (int, error) {
	var err error
	if s.kind == CPU {
		err = s.compute(ctx, job)
	} else {
		err = wait(ctx, s.duration)
	}
	if err != nil {
		return 0, err
	}
	if s.failEvery > 0 && job%s.failEvery == 0 {
		return 0, ErrInjected
	}
	return job * 2, nil
}

// wait blocks for d or until ctx is done, whichever comes first, and
// stops its timer either way: a cancelled job leaves no timer running.
func wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// compute spins a fixed number of iterations worth workMS on one core. The
// count is fixed at start-up, not a loop until the clock says workMS has
// passed, so a job that gets less CPU (contention, a GIL in other targets)
// takes longer instead of pretending. Between chunks of a millisecond it
// checks ctx, which is how CPU-bound code stays cancellable, and yields,
// so that timers (a deadline, for one) fire on time even when every core
// is busy computing.
func (s *simulator) compute(ctx context.Context, job int) error {
	x := uint64(job)
	for range s.workMS {
		if err := ctx.Err(); err != nil {
			return err
		}
		x = spin(x, s.perMS)
		runtime.Gosched()
	}
	s.checksum.Add(x)
	return nil
}

// calibrate measures how many spin iterations one core does per
// millisecond. It keeps the fastest of several rounds: a slow round only
// means another process had the core for a while.
func (s *simulator) calibrate() int {
	n := 1 << 12
	for s.timeSpin(n) < 2*time.Millisecond {
		n *= 2
	}
	fastest := s.timeSpin(n)
	for range 7 {
		fastest = min(fastest, s.timeSpin(n))
	}
	return max(1, int(int64(n)*int64(time.Millisecond)/int64(fastest)))
}

func (s *simulator) timeSpin(n int) time.Duration {
	began := time.Now()
	s.checksum.Add(spin(1, n))
	return time.Since(began)
}

// spin runs n rounds of a xorshift generator from seed x: cheap, branch-free
// arithmetic with a result that depends on every round.
func spin(x uint64, n int) uint64 {
	x |= 1 // xorshift is stuck at zero
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}
