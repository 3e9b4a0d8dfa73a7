package harness

import (
	"context"
	"math"
	"os"
	"syscall"
)

// Intake sends jobs 1, 2, ... until ctx is done, or only 1..Jobs when Jobs
// is set. A job counts as submitted when it starts.
func (d *Demo) Intake(ctx context.Context) <-chan int {
	if d.Jobs == 0 {
		return sequence(ctx, math.MaxInt)
	}
	return sequence(ctx, d.Jobs)
}

// Ready writes that the service now stops gracefully on a signal.
func (d *Demo) Ready() { d.emit(event{Event: "ready"}) }

// Stopping writes that sig asked the service to stop.
func (d *Demo) Stopping(sig os.Signal) {
	name := "SIGINT"
	if sig == syscall.SIGTERM {
		name = "SIGTERM"
	}
	d.emit(event{Event: "stopping", Signal: name})
}
