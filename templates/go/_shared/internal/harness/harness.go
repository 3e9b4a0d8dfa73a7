// Package harness is the demo around the component: it turns the program's
// flags into simulated jobs and writes what happens to each job, as human
// lines or JSON events, then a summary. Only main and benchmarks import it.
package harness

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"sync"
	"time"
)

// Demo is the program's flags, its simulated jobs and its output.
type Demo struct {
	Jobs, Workers, WorkMS, FailEvery, TimeoutMS, Buffer, DrainMS int // -h tells what each one means
	Work                                                         string
	JSON                                                         bool

	pattern string
	began   time.Time // monotonic: time.Since never goes backwards
	// mu serialises the output and the counts behind the summary, so lines
	// never interleave and the summary agrees with the lines written.
	mu  sync.Mutex
	out io.Writer
	// inFlight tells whether each job produced or started and not yet ended
	// has started. It forgets a job at its end: memory follows the work in
	// flight. Jobs are handed out in order, 1 first, so the highest job seen
	// (reached) tells which of the submitted ones the run never reached.
	inFlight                                map[int]bool
	ended                                   map[string]int // terminal events by name
	reached, submitted, running, maxRunning int
}

// event is one line of output, its fields in the contract's key order.
type event struct {
	Event  string  `json:"event"`
	Job    int     `json:"job,omitempty"`
	Worker int     `json:"worker,omitempty"`
	Signal string  `json:"signal,omitempty"`
	TimeMS float64 `json:"t_ms"`
	Result any     `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// FromFlags reads the command line, with the pattern's defaults for --jobs
// and --work-ms. On -h it prints usage and exits 0; on a bad flag, exits 2.
func FromFlags(pattern string, defaultJobs, defaultWorkMS int) *Demo {
	d := newDemo(pattern, os.Stdout)
	if err := d.parse(os.Args[1:], defaultJobs, defaultWorkMS); errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\nrun with -h for usage\n", err)
		os.Exit(2)
	}
	return d
}

func newDemo(pattern string, out io.Writer) *Demo {
	return &Demo{pattern: pattern, began: time.Now(), out: out, inFlight: map[int]bool{}, ended: map[string]int{}}
}

func (d *Demo) parse(args []string, defaultJobs, defaultWorkMS int) error {
	fs := flag.NewFlagSet(d.pattern, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // one error line on stderr, not the flag package's usage dump
	fs.IntVar(&d.Jobs, "jobs", defaultJobs, "`N` jobs to submit (graceful-stop: 0 = until signalled)")
	fs.IntVar(&d.Workers, "workers", 3, "`N` jobs running at once (fan-out starts every job at once)")
	fs.IntVar(&d.WorkMS, "work-ms", defaultWorkMS, "simulated work per job, in `ms`")
	fs.StringVar(&d.Work, "work", "io", "simulated work: `io|cpu` (io waits, cpu computes)")
	fs.IntVar(&d.FailEvery, "fail-every", 0, "every `K`-th job fails (0 = none)")
	fs.IntVar(&d.TimeoutMS, "timeout-ms", 1000, "deadline per job, in `ms` (timeout)")
	fs.IntVar(&d.Buffer, "buffer", 2, "buffer capacity, in `jobs` (producer-consumer)")
	fs.IntVar(&d.DrainMS, "drain-ms", 5000, "how long a graceful stop waits for jobs in flight, in `ms`")
	fs.BoolVar(&d.JSON, "json", false, "write one JSON event per line")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(d.out, "Runs the %s pattern on simulated jobs.\n\nFlags (-flag and --flag both work):\n", d.pattern)
		fs.SetOutput(d.out)
		fs.PrintDefaults()
		return err
	} else if err != nil {
		return err
	} else if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	} else if d.Work != "io" && d.Work != "cpu" {
		return fmt.Errorf("--work must be io or cpu, not %q", d.Work)
	}
	for name, least := range map[string]int{"jobs": 0, "workers": 1, "work-ms": 0, "fail-every": 0, "timeout-ms": 1, "buffer": 1, "drain-ms": 0} {
		if value := fs.Lookup(name).Value.(flag.Getter).Get().(int); value < least {
			return fmt.Errorf("--%s must be at least %d, not %d", name, least, value)
		}
	}
	return nil
}

// Submit counts jobs 1..Jobs as submitted up front, for a program handed them
// all at once: a job the run never reaches gets its cancel with the summary.
func (d *Demo) Submit() { d.submitted = max(d.submitted, d.Jobs) }

// Handle does job's simulated work on worker (0 for none) and writes its
// start, then its end: done, fail, timeout when a deadline passed, cancel
// when it was cancelled. Its shape fits the components' handlers.
func (d *Demo) Handle(ctx context.Context, job, worker int) (int, error) {
	started := fmt.Sprintf("worker %d processing job %d", worker, job)
	if worker == 0 {
		started = fmt.Sprintf("job %d started", job)
	}
	d.write(event{Event: "start", Job: job, Worker: worker}, started)
	result, err := d.work(ctx, job)
	end, line := event{Event: "done", Job: job, Worker: worker, Result: result}, fmt.Sprintf("job %d done: %d", job, result)
	if errors.Is(err, context.DeadlineExceeded) {
		end, line = event{Event: "timeout", Job: job, Worker: worker}, fmt.Sprintf("job %d: request timed out after %d ms", job, d.TimeoutMS)
	} else if errors.Is(err, context.Canceled) {
		end, line = event{Event: "cancel", Job: job, Worker: worker}, fmt.Sprintf("job %d cancelled", job)
	} else if err != nil {
		end, line = event{Event: "fail", Job: job, Worker: worker, Error: err.Error()}, fmt.Sprintf("job %d failed: %v", job, err)
	}
	d.write(end, line)
	return result, err
}

// Summarize writes a cancel event for each submitted job that never started
// (still in a buffer, or never handed out), then the summary, and returns
// the exit code: 130 when a signal (interrupted) cut jobs short, 1 when a job
// failed or was cancelled, else 0. Call it once every started job has ended.
func (d *Demo) Summarize(interrupted bool) int {
	for _, job := range slices.Sorted(maps.Keys(d.inFlight)) {
		d.write(event{Event: "cancel", Job: job}, fmt.Sprintf("job %d cancelled", job))
	}
	for job := d.reached + 1; job <= d.submitted; job++ { // never handed out
		d.write(event{Event: "cancel", Job: job}, fmt.Sprintf("job %d cancelled", job))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.ended
	format := "summary: %[1]d submitted, %d completed, %d failed, %d timed out, %d cancelled, max concurrency %d, %.0[7]f ms (%[8]s on go)\n"
	if d.JSON {
		format = `{"event":"summary","pattern":%[8]q,"target":"go","submitted":%[1]d,"completed":%d,"failed":%d,"timed_out":%d,"cancelled":%d,"max_concurrency":%d,"elapsed_ms":%[7]v}` + "\n"
	}
	fmt.Fprintf(d.out, format, d.submitted, n["done"], n["fail"], n["timeout"], n["cancel"], d.maxRunning, d.millis(), d.pattern)
	if interrupted && n["cancel"] > 0 {
		return 130
	} else if n["fail"]+n["cancel"] > 0 {
		return 1
	}
	return 0
}

// write counts e and writes it, or its human line, in one Write so that
// each line reaches a pipe whole; writeLocked does so with d.mu held.
func (d *Demo) write(e event, human string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeLocked(e, human)
}

func (d *Demo) writeLocked(e event, human string) {
	d.reached = max(d.reached, e.Job)
	d.submitted = max(d.submitted, e.Job)
	switch e.Event {
	case "produce":
		d.inFlight[e.Job] = false
	case "start":
		d.inFlight[e.Job] = true
		d.running++
		d.maxRunning = max(d.maxRunning, d.running)
	case "done", "fail", "timeout", "cancel":
		if d.inFlight[e.Job] {
			d.running--
		}
		delete(d.inFlight, e.Job)
		d.ended[e.Event]++
	}
	line := []byte(human)
	if d.JSON {
		e.TimeMS = d.millis()
		line, _ = json.Marshal(e) // only numbers and strings: cannot fail
	}
	d.out.Write(append(line, '\n'))
}

// millis returns the time since the program began in ms, to 3 decimals.
func (d *Demo) millis() float64 {
	return math.Round(float64(time.Since(d.began))/1e3) / 1e3
}
