package harness

import (
	"bytes"
	"context"
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

// Without --jobs the intake never ends by itself, only when ctx is done;
// a job counts as submitted when it starts, not before.
func TestIntakeIsEndlessUntilStopped(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out, "--jobs", "0")
	ctx, cancel := context.WithCancel(t.Context())
	jobs := d.Intake(ctx)
	for want := 1; want <= 1000; want++ {
		if job := <-jobs; job != want {
			t.Fatalf("got job %d, want %d", job, want)
		}
	}
	cancel()
	for range jobs { // at most one more, sent as the stop came
	}
	if code := d.Summarize(false); code != 0 || d.summary.Submitted != 0 {
		t.Errorf("exit code %d and %d submitted, want 0 and none", code, d.summary.Submitted)
	}
}
