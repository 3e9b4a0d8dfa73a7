package harness

import (
	"fmt"
	"os"
	"syscall"
)

// Ready writes that the service now stops gracefully on a signal.
func (d *Demo) Ready() { d.write(event{Event: "ready"}, "ready: press Ctrl-C or send SIGTERM to stop") }

// Stopping writes that sig asked the service to stop.
func (d *Demo) Stopping(sig os.Signal) {
	name := "SIGINT"
	if sig == syscall.SIGTERM {
		name = "SIGTERM"
	}
	d.write(event{Event: "stopping", Signal: name},
		fmt.Sprintf("received %s: stopping intake, draining in-flight jobs (up to %d ms)", name, d.DrainMS))
}
