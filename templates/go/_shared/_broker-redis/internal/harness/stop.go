package harness

import (
	"context"
	"fmt"
	"os"
	"syscall"
)

// Ready writes that the service now stops gracefully on a signal.
func (d *Demo) Ready() { d.write(event{Event: "ready"}, "ready: press Ctrl-C or send SIGTERM to stop") }

// Stopping writes that sig asked the service to stop and calls stopIntake
// before any other line can be written. Announced first and stopped after,
// a worker scheduled in between would start jobs after the announcement;
// stopped first, a drain deadline of 0 could report cancellations before it.
// stopIntake runs with the output held: a context's cancel, which neither
// blocks nor writes.
func (d *Demo) Stopping(sig os.Signal, stopIntake context.CancelFunc) {
	name := "SIGINT"
	if sig == syscall.SIGTERM {
		name = "SIGTERM"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeLocked(event{Event: "stopping", Signal: name},
		fmt.Sprintf("received %s: stopping intake, draining in-flight jobs (up to %d ms)", name, d.DrainMS))
	stopIntake()
}
