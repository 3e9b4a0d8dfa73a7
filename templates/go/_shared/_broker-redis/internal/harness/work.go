package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
)

// ErrInjected is the error of a job that the producer's --fail-every marked
// to fail.
var ErrInjected = errors.New("injected failure")

// work does job's simulated work as its task says, with this worker's
// --work, and returns job*2, or ErrInjected for a job marked to fail, or
// ctx.Err() as soon as it sees ctx done.
func (d *Demo) work(ctx context.Context, job int, task Task) (int, error) {
	if d.Work == "io" {
		timer := time.NewTimer(time.Duration(task.WorkMS) * time.Millisecond)
		defer timer.Stop() // a cancelled job leaves no timer behind
		select {
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	// CPU work spins a fixed number of rounds, so a job that gets less CPU
	// takes longer instead of pretending. Between milliseconds it checks ctx,
	// which is how CPU-bound code stays cancellable, and yields, so that
	// timers fire on time even when every core is busy.
	for ms := 0; d.Work == "cpu" && ms < task.WorkMS && ctx.Err() == nil; ms++ {
		runtime.KeepAlive(spin(uint64(job), roundsPerMS()))
		runtime.Gosched()
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	} else if task.Fail {
		return 0, fmt.Errorf("%w in job %d", ErrInjected, job)
	}
	return job * 2, nil
}

// roundsPerMS measures once the spin rounds one core does in a millisecond:
// the fastest of a few tries, as a slower one shared the core.
var roundsPerMS = sync.OnceValue(func() int {
	const rounds = 1 << 20
	fastest := time.Duration(math.MaxInt64)
	for range 5 {
		began := time.Now()
		runtime.KeepAlive(spin(1, rounds))
		fastest = min(fastest, time.Since(began))
	}
	return max(1, int(rounds*time.Millisecond/max(fastest, 1)))
})

// spin runs n rounds of a xorshift generator, whose result needs every round.
func spin(x uint64, n int) uint64 {
	x |= 1 // xorshift is stuck at zero
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}
