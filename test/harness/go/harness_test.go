package harness

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runProgram runs p with args in-process and returns its exit code and
// output, with every time replaced by T so that lines can be compared.
func runProgram(t *testing.T, p Program, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(p, args, &out, &errOut, make(chan os.Signal), time.Now())
	jsonTimes := regexp.MustCompile(`("t_ms"|"elapsed_ms"):[0-9.]+`)
	humanTimes := regexp.MustCompile(`, [0-9]+ ms \(`)
	text := jsonTimes.ReplaceAllString(out.String(), "$1:T")
	return code, humanTimes.ReplaceAllString(text, ", T ms ("), errOut.String()
}

// sequential processes the jobs one after another on worker 1.
var sequential = Program{
	Pattern:       "test",
	DefaultJobs:   3,
	DefaultWorkMS: 0,
	Run: func(ctx context.Context, env *Env) {
		env.SubmitAll()
		for job := 1; job <= env.Jobs; job++ {
			env.Process(ctx, 1, job)
		}
	},
}

func TestBadFlagsExitTwoWithAMessage(t *testing.T) {
	for _, args := range [][]string{
		{"--jobs", "-1"},
		{"--workers", "0"},
		{"--timeout-ms", "0"},
		{"--buffer", "0"},
		{"--work-ms", "ten"},
		{"--work", "gpu"},
		{"--no-such-flag"},
		{"stray"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runProgram(t, sequential, args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "error: ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, an error", code, stdout, stderr)
			}
		})
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	code, stdout, stderr := runProgram(t, sequential, "-h")
	if code != 0 || !strings.Contains(stdout, "-fail-every") || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestJSONEvents(t *testing.T) {
	code, stdout, _ := runProgram(t, sequential, "--json", "--jobs=2", "--fail-every", "2")
	want := `{"event":"start","job":1,"worker":1,"t_ms":T}
{"event":"done","job":1,"worker":1,"t_ms":T,"result":2}
{"event":"start","job":2,"worker":1,"t_ms":T}
{"event":"fail","job":2,"worker":1,"t_ms":T,"error":"injected failure"}
{"event":"summary","pattern":"test","target":"go","submitted":2,"completed":1,"failed":1,"timed_out":0,"cancelled":0,"max_concurrency":1,"elapsed_ms":T}
`
	if stdout != want {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1 after a failure", code)
	}
}

func TestHumanLines(t *testing.T) {
	everyEvent := Program{
		Pattern: "test",
		Run: func(ctx context.Context, env *Env) {
			env.Produce(1)
			env.Consume(1, 2)
			env.Start(1, 2)
			env.Finish(1, 2, 2, nil)
			env.Start(2, 0)
			env.TimedOut(2)
			env.Start(3, 0)
			env.Finish(3, 0, 0, ErrInjected)
			env.Start(4, 1)
			env.Finish(4, 1, 0, context.Canceled)
			env.Produce(5) // never consumed: cancelled at the end
		},
	}
	code, stdout, _ := runProgram(t, everyEvent, "--timeout-ms", "250")
	want := `produced 1
consumed 1
worker 2 processing job 1
job 1 done: 2
job 2 started
job 2: request timed out after 250 ms
job 3 started
job 3 failed: injected failure
worker 1 processing job 4
job 4 cancelled
produced 5
job 5 cancelled
summary: 5 submitted, 1 completed, 1 failed, 1 timed out, 2 cancelled, max concurrency 1, T ms (test on go)
`
	if stdout != want {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

func TestTimeoutIsNotAFailure(t *testing.T) {
	timesOut := Program{Pattern: "test", Run: func(ctx context.Context, env *Env) {
		env.Start(1, 0)
		env.TimedOut(1)
	}}
	if code, _, _ := runProgram(t, timesOut); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

func TestFirstSignalCancelsTheRun(t *testing.T) {
	signals := make(chan os.Signal, 1)
	waitsForCancel := Program{Pattern: "test", DefaultJobs: 3, Run: func(ctx context.Context, env *Env) {
		env.SubmitAll()
		env.Start(1, 1)
		signals <- syscall.SIGTERM
		_, err := env.Work(ctx, 1) // a minute of work, cut short by the signal
		env.Finish(1, 1, 0, err)
	}}
	var out bytes.Buffer
	code := run(waitsForCancel, []string{"--work-ms", "60000"}, &out, &out, signals, time.Now())
	if code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	if got := strings.Count(out.String(), "cancelled\n"); got != 3 {
		t.Errorf("%d jobs cancelled, want all 3:\n%s", got, out.String())
	}
}

// A signal that arrives once every job has ended cuts nothing short: the
// exit code is the one the summary calls for, not 130.
func TestSignalAfterTheLastJobKeepsTheExitCode(t *testing.T) {
	signals := make(chan os.Signal, 1)
	lateSignal := Program{Pattern: "test", DefaultJobs: 2, Run: func(ctx context.Context, env *Env) {
		env.SubmitAll()
		for job := 1; job <= env.Jobs; job++ {
			env.Process(ctx, 1, job)
		}
		signals <- syscall.SIGINT
		select {
		case <-ctx.Done(): // the harness has taken the signal
		case <-time.After(10 * time.Second):
			t.Error("the signal never cancelled ctx")
		}
	}}
	var out bytes.Buffer
	if code := run(lateSignal, nil, &out, &out, signals, time.Now()); code != 0 {
		t.Errorf("exit code %d after a run where every job completed, want 0:\n%s", code, out.String())
	}
}

// Once the summary is written the run is over: neither a first signal nor a
// second one may cancel, write or end the process with 130 after a summary
// that called for another exit code.
func TestSignalsAfterTheSummaryChangeNothing(t *testing.T) {
	var out bytes.Buffer
	events := newRecorder(&out, Config{JSON: true}, "test", time.Now())
	events.start(1, 1)
	events.end(event{Event: "done", Job: 1, Worker: 1, Result: new(int)})
	events.finish()
	written := out.String()

	events.interrupt(func() { t.Error("a signal after the summary cancelled the run") })
	if events.abort() {
		t.Error("a second signal after the summary asked to exit with 130")
	}
	if s, interrupted := events.finish(); interrupted || s.Completed != 1 {
		t.Errorf("summary %+v, interrupted %v: want the completed run, not interrupted", s, interrupted)
	}
	if out.String() != written {
		t.Errorf("output after the summary:\n%s", strings.TrimPrefix(out.String(), written))
	}
}

// A long-running service holds memory in proportion to the jobs in flight,
// never to the jobs it has finished: once a job has ended, nothing of it
// may stay behind in the harness.
func TestFinishedJobsLeaveNothingBehind(t *testing.T) {
	const warmUp, jobs = 1_000, 50_000
	var before, after runtime.MemStats
	endless := Program{Pattern: "test", StopsGracefully: true, Run: func(ctx context.Context, env *Env) {
		for job := 1; job <= jobs; job++ {
			if job == warmUp {
				runtime.GC()
				runtime.ReadMemStats(&before)
			}
			env.Start(job, 1)
			env.Finish(job, 1, job*2, nil)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
	}}
	if code := run(endless, nil, io.Discard, io.Discard, make(chan os.Signal), time.Now()); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	// Before this was fixed, every finished job kept about 40 bytes; a
	// bound of a few bytes per job leaves room for the runtime's noise.
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if perJob := grown / (jobs - warmUp); perJob > 4 {
		t.Errorf("the heap grew by %d bytes over %d finished jobs (%d bytes each); want it flat", grown, jobs-warmUp, perJob)
	}
}

// panickingContext makes any work done under it panic, as a bug in a real
// job would.
type panickingContext struct{ context.Context }

func (panickingContext) Done() <-chan struct{} { panic("boom") }

func TestPanickingJobEndsAsAFailure(t *testing.T) {
	var recovered any
	panics := Program{Pattern: "test", Run: func(ctx context.Context, env *Env) {
		defer func() { recovered = recover() }()
		env.Process(panickingContext{ctx}, 1, 1)
	}}
	code, stdout, _ := runProgram(t, panics, "--json")
	want := `{"event":"start","job":1,"worker":1,"t_ms":T}
{"event":"fail","job":1,"worker":1,"t_ms":T,"error":"panic: boom"}
`
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("got\n%s\nwant it to begin with\n%s", stdout, want)
	}
	if recovered != "boom" {
		t.Errorf("the pattern saw the panic %v, want boom: its own policy must apply", recovered)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1 after a failure", code)
	}
}
