package harness

import (
	"bytes"
	"syscall"
	"testing"
)

func TestReadyAndStopping(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out, "--json", "--drain-ms", "250")
	d.Ready()
	d.Stopping(syscall.SIGTERM)
	want := `{"event":"ready","t_ms":T}
{"event":"stopping","signal":"SIGTERM","t_ms":T}
`
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	out.Reset()
	d.JSON = false
	d.Stopping(syscall.SIGINT)
	if got, want := out.String(), "received SIGINT: stopping intake, draining in-flight jobs (up to 250 ms)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
