package harness

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
)

func TestStoppingStopsIntakeBeforeAnotherLineIsWritten(t *testing.T) {
	var out bytes.Buffer
	d := newDemo("test", &out)
	d.JSON = true
	stopped := false
	d.Stopping(syscall.SIGTERM, func() {
		stopped = true
		if !strings.Contains(out.String(), `"event":"stopping"`) {
			t.Error("intake stopped before the stop was announced")
		}
		// A worker that could write now could start a job after the
		// announcement, with intake still open.
		if d.mu.TryLock() {
			d.mu.Unlock()
			t.Error("intake stopped with the output unlocked: a job could start in between")
		}
	})
	if !stopped {
		t.Fatal("Stopping did not stop intake")
	}
}
