package harness

import (
	"bytes"
	"testing"
)

// A job counts as submitted when it is produced, and an item produced but
// never consumed is cancelled with the summary.
func TestProduceAndConsume(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out)
	d.Produce(1)
	d.Consume(1, 2)
	d.Handle(t.Context(), 1, 2)
	d.Produce(2)
	if code := d.Summarize(true); code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	want := `produced 1
consumed 1
worker 2 processing job 1
job 1 done: 2
produced 2
job 2 cancelled
summary: 2 submitted, 1 completed, 0 failed, 0 timed out, 1 cancelled, max concurrency 1, T ms (test on go)
`
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
