package harness

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// newDemo returns the demo of a pattern "test", writing to out.
func newDemo(out io.Writer) *Demo {
	return &Demo{pattern: "test", began: time.Now(), out: out, inFlight: map[int]bool{}, ended: map[string]int{}}
}

// demo parses args as the program of pattern "test" does, with 3 jobs by
// default, and returns a demo that writes to out.
func demo(t *testing.T, out io.Writer, args ...string) *Demo {
	t.Helper()
	d := newDemo(out)
	if err := d.parse(args, 3, 0); err != nil {
		t.Fatal(err)
	}
	return d
}

// withoutTimes replaces every time in output by T, so lines can be compared.
func withoutTimes(output string) string {
	output = regexp.MustCompile(`("t_ms"|"elapsed_ms"):[0-9.]+`).ReplaceAllString(output, "$1:T")
	return regexp.MustCompile(`, [0-9]+ ms \(`).ReplaceAllString(output, ", T ms (")
}

func TestBadFlagsAreRefusedWithAMessage(t *testing.T) {
	for _, args := range [][]string{
		{"--jobs", "-1"}, {"--workers", "0"}, {"--timeout-ms", "0"}, {"--buffer", "0"}, {"--drain-ms", "-1"},
		{"--work-ms", "ten"}, {"--work", "gpu"}, {"--no-such-flag"}, {"stray"},
	} {
		var stdout bytes.Buffer
		if err := newDemo(&stdout).parse(args, 3, 0); err == nil || stdout.Len() > 0 {
			t.Errorf("%v: err %v, stdout %q; want an error and nothing on stdout", args, err, stdout.String())
		}
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	var stdout bytes.Buffer
	if err := newDemo(&stdout).parse([]string{"-h"}, 3, 0); err == nil || !strings.Contains(stdout.String(), "-fail-every") {
		t.Errorf("err %v, stdout %q", err, stdout.String())
	}
}

func TestJSONEventsAndExitCode(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out, "--json", "--jobs=2", "--fail-every", "2")
	d.Submit()
	for job := 1; job <= d.Jobs; job++ {
		d.Handle(t.Context(), job, 1)
	}
	code := d.Summarize(false)
	want := `{"event":"start","job":1,"worker":1,"t_ms":T}
{"event":"done","job":1,"worker":1,"t_ms":T,"result":2}
{"event":"start","job":2,"worker":1,"t_ms":T}
{"event":"fail","job":2,"worker":1,"t_ms":T,"error":"injected failure"}
{"event":"summary","pattern":"test","target":"go","submitted":2,"completed":1,"failed":1,"timed_out":0,"cancelled":0,"max_concurrency":1,"elapsed_ms":T}
`
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1 after a failure", code)
	}
}

func TestHumanLinesAndTheEndOfEachJob(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out, "--timeout-ms", "250", "--work-ms", "60000")
	d.Submit() // jobs 1..3, of which only 1 and 2 run
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	d.Handle(cancelled, 1, 2)
	expired, stop := context.WithTimeout(t.Context(), 0)
	defer stop()
	d.Handle(expired, 2, 0)
	if code := d.Summarize(true); code != 130 {
		t.Errorf("exit code %d, want 130 when a signal cut jobs short", code)
	}
	want := `worker 2 processing job 1
job 1 cancelled
job 2 started
job 2: request timed out after 250 ms
job 3 cancelled
summary: 3 submitted, 0 completed, 0 failed, 1 timed out, 2 cancelled, max concurrency 1, T ms (test on go)
`
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A signal that arrives once every job has ended cuts nothing short: the
// exit code is the one the summary calls for, not 130.
func TestSignalAfterTheLastJobKeepsTheExitCode(t *testing.T) {
	d := demo(t, io.Discard, "--jobs", "2")
	d.Submit()
	for job := 1; job <= d.Jobs; job++ {
		d.Handle(t.Context(), job, 1)
	}
	if code := d.Summarize(true); code != 0 {
		t.Errorf("exit code %d after a run where every job completed, want 0", code)
	}
}

// A long-running service holds memory in proportion to the jobs in flight,
// never to the jobs it has finished.
func TestFinishedJobsLeaveNothingBehind(t *testing.T) {
	const warmUp, jobs = 1_000, 50_000
	var before, after runtime.MemStats
	d := demo(t, io.Discard)
	for job := 1; job <= jobs; job++ {
		if job == warmUp {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		d.Handle(t.Context(), job, 1)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Every finished job once kept about 40 bytes; a bound of a few bytes
	// per job leaves room for the runtime's noise.
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if perJob := grown / (jobs - warmUp); perJob > 4 {
		t.Errorf("the heap grew by %d bytes over %d finished jobs (%d bytes each); want it flat", grown, jobs-warmUp, perJob)
	}
}

// Jobs counted up front cost nothing until the run hands them out: a
// program given millions of jobs holds memory only for those in flight.
func TestSubmittedJobsCostNothingUntilHandedOut(t *testing.T) {
	var before, after runtime.MemStats
	d := demo(t, io.Discard, "--jobs", "200000")
	runtime.GC()
	runtime.ReadMemStats(&before)
	d.Submit()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<10 {
		t.Errorf("the heap grew by %d bytes on submitting %d jobs; want it flat", grown, d.Jobs)
	}
}

// Jobs start out of order; the ones never handed out, and only those, are
// cancelled with the summary.
func TestJobsNeverHandedOutAreCancelled(t *testing.T) {
	var out bytes.Buffer
	d := demo(t, &out, "--jobs", "4")
	d.Submit()
	d.Handle(t.Context(), 2, 1)
	d.Handle(t.Context(), 1, 2)
	d.Summarize(true)
	want := `worker 1 processing job 2
job 2 done: 4
worker 2 processing job 1
job 1 done: 2
job 3 cancelled
job 4 cancelled
summary: 4 submitted, 2 completed, 0 failed, 0 timed out, 2 cancelled, max concurrency 1, T ms (test on go)
`
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
