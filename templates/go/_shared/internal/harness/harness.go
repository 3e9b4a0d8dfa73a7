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

// Config holds the program's flags.
type Config struct {
	Jobs      int    // jobs to submit; for graceful-stop, 0 means until signalled
	Workers   int    // jobs running at once (fan-out starts every job at once)
	WorkMS    int    // simulated work per job, in milliseconds
	Work      string // io waits, cpu computes
	FailEvery int    // job j fails when j is a multiple of FailEvery; 0 means never
	TimeoutMS int    // deadline per job (timeout)
	Buffer    int    // buffer capacity (producer-consumer)
	DrainMS   int    // how long a graceful stop waits for jobs in flight
	JSON      bool   // one JSON event per line instead of human lines
}

// Demo is the program's flags, its simulated work and its output.
type Demo struct {
	Config
	pattern string
	began   time.Time // monotonic: time.Since never goes backwards
	work    *simulator

	// mu serialises the output and the counts, so lines never interleave
	// and the summary agrees with the lines written.
	mu  sync.Mutex
	out io.Writer
	// inFlight holds the jobs submitted and not yet ended, and only those:
	// a service that runs for days holds what it has in flight.
	inFlight            map[int]jobState
	running, maxRunning int
	ended               map[string]int // terminal events by name
	summary             summary
	sealed              bool // the summary is out; nothing may follow it
}

type jobState struct {
	worker  int
	started bool
}

// event is one line of output, its fields in the JSON key order.
type event struct {
	Event  string  `json:"event"`
	Job    int     `json:"job,omitempty"`
	Worker int     `json:"worker,omitempty"`
	Signal string  `json:"signal,omitempty"`
	TimeMS float64 `json:"t_ms"`
	Result *int    `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

type summary struct {
	Event          string  `json:"event"`
	Pattern        string  `json:"pattern"`
	Target         string  `json:"target"`
	Submitted      int     `json:"submitted"`
	Completed      int     `json:"completed"`
	Failed         int     `json:"failed"`
	TimedOut       int     `json:"timed_out"`
	Cancelled      int     `json:"cancelled"`
	MaxConcurrency int     `json:"max_concurrency"`
	ElapsedMS      float64 `json:"elapsed_ms"`
}

// FromFlags parses the command line with the pattern's defaults. On -h it
// prints usage and exits 0; on a bad flag it exits 2 with a message.
func FromFlags(pattern string, defaultJobs, defaultWorkMS int) *Demo {
	began := time.Now()
	cfg, err := parse(pattern, defaultJobs, defaultWorkMS, os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\nrun with -h for usage\n", err)
		os.Exit(2)
	}
	return newDemo(cfg, pattern, os.Stdout, began)
}

func newDemo(cfg Config, pattern string, out io.Writer, began time.Time) *Demo {
	return &Demo{Config: cfg, pattern: pattern, began: began, work: newSimulator(cfg),
		out: out, inFlight: make(map[int]jobState), ended: make(map[string]int), summary: summary{Event: "summary", Pattern: pattern, Target: "go"}}
}

func parse(pattern string, defaultJobs, defaultWorkMS int, args []string, stdout io.Writer) (Config, error) {
	cfg := Config{Jobs: defaultJobs, Workers: 3, WorkMS: defaultWorkMS, Work: "io", TimeoutMS: 1000, Buffer: 2, DrainMS: 5000}
	fs := flag.NewFlagSet(pattern, flag.ContinueOnError)
	// The caller prints the one error line the contract wants, not the
	// flag package's usage dump.
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.Jobs, "jobs", cfg.Jobs, "`N` jobs to submit (graceful-stop: 0 = until signalled)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "`N` jobs running at once (fan-out starts every job at once)")
	fs.IntVar(&cfg.WorkMS, "work-ms", cfg.WorkMS, "simulated work per job, in `ms`")
	fs.StringVar(&cfg.Work, "work", cfg.Work, "simulated work: `io|cpu` (io waits, cpu computes)")
	fs.IntVar(&cfg.FailEvery, "fail-every", cfg.FailEvery, "every `K`-th job fails (0 = none)")
	fs.IntVar(&cfg.TimeoutMS, "timeout-ms", cfg.TimeoutMS, "deadline per job, in `ms` (timeout)")
	fs.IntVar(&cfg.Buffer, "buffer", cfg.Buffer, "buffer capacity, in `jobs` (producer-consumer)")
	fs.IntVar(&cfg.DrainMS, "drain-ms", cfg.DrainMS, "how long a graceful stop waits for jobs in flight, in `ms`")
	fs.BoolVar(&cfg.JSON, "json", cfg.JSON, "write one JSON event per line")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Runs the %s pattern on simulated jobs.\n\nFlags (-flag and --flag both work):\n", pattern)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case cfg.Work != "io" && cfg.Work != "cpu":
		return cfg, fmt.Errorf("--work must be io or cpu, not %q", cfg.Work)
	}
	for name, least := range map[string]int{"jobs": 0, "workers": 1, "work-ms": 0, "fail-every": 0, "timeout-ms": 1, "buffer": 1, "drain-ms": 0} {
		if value := fs.Lookup(name).Value.(flag.Getter).Get().(int); value < least {
			return cfg, fmt.Errorf("--%s must be at least %d, not %d", name, least, value)
		}
	}
	return cfg, nil
}

// Submit counts jobs 1..Jobs as submitted, then sends them as they are
// taken, until all are sent or ctx is done. A job never taken gets its
// cancel event with the summary.
func (d *Demo) Submit(ctx context.Context) <-chan int {
	d.mu.Lock()
	for job := 1; job <= d.Jobs; job++ {
		d.job(job)
	}
	d.mu.Unlock()
	return sequence(ctx, d.Jobs)
}

// sequence sends 1..n, one at a time as they are taken, and closes the
// channel after n or once ctx is done: the goroutine that sends closes.
func sequence(ctx context.Context, n int) <-chan int {
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for job := 1; job <= n; job++ {
			select {
			case jobs <- job:
			case <-ctx.Done():
				return
			}
		}
	}()
	return jobs
}

// Handle does job's simulated work on worker (0 for none) and writes its
// start, then how it ended: done, fail, timeout when a deadline passed,
// cancel when it was cancelled. Its shape fits the components' handlers.
func (d *Demo) Handle(ctx context.Context, job, worker int) (int, error) {
	d.emit(event{Event: "start", Job: job, Worker: worker})
	result, err := d.work.do(ctx, job)
	switch {
	case err == nil:
		d.emit(event{Event: "done", Job: job, Worker: worker, Result: &result})
	case errors.Is(err, context.DeadlineExceeded):
		d.emit(event{Event: "timeout", Job: job, Worker: worker})
	case errors.Is(err, context.Canceled):
		d.emit(event{Event: "cancel", Job: job, Worker: worker})
	default:
		d.emit(event{Event: "fail", Job: job, Worker: worker, Error: err.Error()})
	}
	return result, err
}

// Summarize writes a cancel event for every submitted job that never ended
// (the run stopped before it), then the summary, and returns the exit code:
// 130 when a signal (interrupted) cut jobs short, 1 when a job failed or was
// cancelled, 0 otherwise.
func (d *Demo) Summarize(interrupted bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.sealed {
		d.summarizeLocked()
	}
	switch s := d.summary; {
	case interrupted && s.Cancelled > 0:
		return 130
	case s.Failed+s.Cancelled > 0:
		return 1
	}
	return 0
}

// Abort writes the summary and exits 130 at once, for a second signal;
// unless the summary is already out, when the run has ended by itself and
// its exit code stands.
func (d *Demo) Abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.sealed {
		d.summarizeLocked()
		os.Exit(130)
	}
}

func (d *Demo) summarizeLocked() {
	for _, job := range slices.Sorted(maps.Keys(d.inFlight)) {
		d.emitLocked(event{Event: "cancel", Job: job, Worker: d.inFlight[job].worker})
	}
	s := &d.summary
	s.Completed, s.Failed, s.TimedOut, s.Cancelled = d.ended["done"], d.ended["fail"], d.ended["timeout"], d.ended["cancel"]
	s.MaxConcurrency, s.ElapsedMS = d.maxRunning, d.millis()
	if d.JSON {
		line, _ := json.Marshal(s) // only strings and numbers: cannot fail
		d.out.Write(append(line, '\n'))
	} else {
		fmt.Fprintf(d.out, "summary: %d submitted, %d completed, %d failed, %d timed out, %d cancelled, max concurrency %d, %d ms (%s on go)\n",
			s.Submitted, s.Completed, s.Failed, s.TimedOut, s.Cancelled, s.MaxConcurrency, int64(math.Round(s.ElapsedMS)), s.Pattern)
	}
	d.sealed = true
}

func (d *Demo) emit(e event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.sealed {
		d.emitLocked(e)
	}
}

// emitLocked updates the counts for e and writes it. The caller holds mu.
func (d *Demo) emitLocked(e event) {
	if e.Job != 0 {
		state := d.job(e.Job)
		switch e.Event {
		case "produce":
		case "consume":
			state.worker = e.Worker
			d.inFlight[e.Job] = state
		case "start":
			state.started, state.worker = true, e.Worker
			d.inFlight[e.Job] = state
			d.running++
			d.maxRunning = max(d.maxRunning, d.running)
		default: // the job's terminal event
			delete(d.inFlight, e.Job)
			if state.started {
				d.running--
			}
			d.ended[e.Event]++
		}
	}
	e.TimeMS = d.millis()
	line, _ := json.Marshal(e)
	if !d.JSON {
		line = []byte(d.human(e))
	}
	// One Write per line, so that each event reaches a pipe whole.
	d.out.Write(append(line, '\n'))
}

// job returns the state of a job, submitting it if it is not in flight.
func (d *Demo) job(id int) jobState {
	state, ok := d.inFlight[id]
	if !ok {
		d.inFlight[id] = state
		d.summary.Submitted++
	}
	return state
}

func (d *Demo) human(e event) string {
	switch e.Event {
	case "start":
		if e.Worker == 0 {
			return fmt.Sprintf("job %d started", e.Job)
		}
		return fmt.Sprintf("worker %d processing job %d", e.Worker, e.Job)
	case "done":
		return fmt.Sprintf("job %d done: %d", e.Job, *e.Result)
	case "fail":
		return fmt.Sprintf("job %d failed: %s", e.Job, e.Error)
	case "timeout":
		return fmt.Sprintf("job %d: request timed out after %d ms", e.Job, d.TimeoutMS)
	case "cancel":
		return fmt.Sprintf("job %d cancelled", e.Job)
	case "produce":
		return fmt.Sprintf("produced %d", e.Job)
	case "consume":
		return fmt.Sprintf("consumed %d", e.Job)
	case "ready":
		return "ready: press Ctrl-C or send SIGTERM to stop"
	case "stopping":
		return fmt.Sprintf("received %s: stopping intake, draining in-flight jobs (up to %d ms)", e.Signal, d.DrainMS)
	}
	panic("harness: no human line for " + e.Event)
}

// millis returns the time since the program began in ms, to 3 decimals.
func (d *Demo) millis() float64 {
	return math.Round(float64(time.Since(d.began))/1e3) / 1e3
}
