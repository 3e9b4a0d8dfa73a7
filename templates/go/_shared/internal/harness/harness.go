// Package harness turns a concurrency pattern into the command-line program
// every generated project shares: flags, simulated work, events in human or
// JSON form, the summary, signal handling and exit codes.
//
// Pattern code never prints. It reports what happens to each job through
// [Env], and the harness writes the lines and counts the outcomes.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Program is one pattern wired up as a command.
type Program struct {
	// Pattern is the pattern id, such as "worker-pool", shown in the summary.
	Pattern string
	// DefaultJobs and DefaultWorkMS are the pattern's defaults for --jobs
	// and --work-ms; every other flag has the same default in every pattern.
	DefaultJobs   int
	DefaultWorkMS int
	// StopsGracefully makes the first SIGINT or SIGTERM a request to stop:
	// the harness announces ready and stopping, and the run ends with exit
	// code 0 or 1 instead of 130. Without it the first signal cancels the run.
	StopsGracefully bool
	// Run runs the pattern over the jobs. Its ctx is cancelled by the first
	// signal. Run must not return while any of its goroutines still reports
	// on a job; submitted jobs it never ends are reported as cancelled.
	Run func(ctx context.Context, env *Env)
}

// Env is what a pattern's Run sees: the parsed flags and the calls that
// report each job's progress.
type Env struct {
	Config
	events *recorder
	work   *simulator
}

// SubmitAll counts jobs 1..Jobs as submitted up front, for patterns that are
// handed every job at once (fan-out, worker-pool, timeout). A job the run
// never reaches still gets its cancel event.
func (e *Env) SubmitAll() {
	for job := 1; job <= e.Jobs; job++ {
		e.events.submit(job)
	}
}

// Produce reports that the producer is about to offer job to the buffer;
// the job counts as submitted from here.
func (e *Env) Produce(job int) { e.events.produce(job) }

// Consume reports that worker took job out of the buffer.
func (e *Env) Consume(job, worker int) { e.events.consume(job, worker) }

// Start reports that worker began job; worker 0 means no numbered worker
// (fan-out, timeout). A job not submitted before counts as submitted now.
func (e *Env) Start(job, worker int) { e.events.start(job, worker) }

// Finish reports how job ended: done with result when err is nil,
// cancelled when err is a context cancellation, failed otherwise.
func (e *Env) Finish(job, worker, result int, err error) {
	switch {
	case err == nil:
		e.events.end(event{Event: "done", Job: job, Worker: worker, Result: &result})
	case errors.Is(err, context.Canceled):
		e.events.end(event{Event: "cancel", Job: job, Worker: worker})
	default:
		e.events.end(event{Event: "fail", Job: job, Worker: worker, Error: err.Error()})
	}
}

// TimedOut reports that job ran past its deadline and was cancelled.
func (e *Env) TimedOut(job int) { e.events.end(event{Event: "timeout", Job: job}) }

// Work does job's simulated work (--work, --work-ms, --fail-every) and
// returns job*2. It stops early with ctx.Err() when ctx is done.
func (e *Env) Work(ctx context.Context, job int) (int, error) {
	return e.work.work(ctx, job)
}

// Process runs job on worker from start to end: Start, Work, Finish. Its
// signature fits the handlers of the pattern packages.
//
// A job that panics is reported as failed here, on its own goroutine, so
// that its terminal event comes before its worker starts another job; the
// panic then goes on to the pattern, whose policy recovers it.
func (e *Env) Process(ctx context.Context, worker, job int) (int, error) {
	e.Start(job, worker)
	defer func() {
		if p := recover(); p != nil {
			e.Finish(job, worker, 0, fmt.Errorf("panic: %v", p))
			panic(p)
		}
	}()
	result, err := e.Work(ctx, job)
	e.Finish(job, worker, result, err)
	return result, err
}

// Sequence sends job ids 1..n on the returned channel, one at a time as they
// are taken, and closes it after n or as soon as ctx is done. The goroutine
// that sends is the one that closes.
func Sequence(ctx context.Context, n int) <-chan int {
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

// Exit codes of the program.
const (
	exitOK          = 0
	exitFailed      = 1 // a job failed or was cancelled
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, what shells report for Ctrl-C
)

// Main runs p as the program with the command-line arguments and exits.
func Main(p Program) {
	began := time.Now()
	signals := make(chan os.Signal, 2)
	// Installed before any job starts: from here on SIGINT and SIGTERM are
	// ours to handle, and Go's default (exit at once, no summary) is off.
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(p, os.Args[1:], os.Stdout, os.Stderr, signals, began))
}

// run is Main without the process: it returns the exit code. A second value
// on signals makes it write the summary and exit the process with 130 at
// once, without waiting for jobs.
//
// A signal that comes once the summary is out changes nothing, and the exit
// code is decided under the recorder's lock from the summary, so a late
// signal can never turn a complete run into 130, nor end the process after
// a summary that called for another code.
func run(p Program, args []string, stdout, stderr io.Writer, signals <-chan os.Signal, began time.Time) int {
	cfg, err := parseConfig(p, args, stdout)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\nrun with -h for usage\n", err)
		return exitUsage
	}
	events := newRecorder(stdout, cfg, p.Pattern, began)
	env := &Env{Config: cfg, events: events, work: newSimulator(cfg)}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case sig := <-signals:
			if p.StopsGracefully {
				events.stopping(signalName(sig), cancel)
			} else {
				events.interrupt(cancel)
			}
		case <-finished:
			return
		}
		select {
		case <-signals:
			if events.abort() {
				os.Exit(exitInterrupted)
			}
		case <-finished:
		}
	}()

	if p.StopsGracefully {
		events.ready()
	}
	p.Run(ctx, env)
	s, interrupted := events.finish()

	// Interrupted counts only when the signal cut jobs short: one that came
	// after the last job ended leaves a complete run.
	if interrupted && s.Cancelled > 0 {
		return exitInterrupted
	}
	if s.Failed > 0 || s.Cancelled > 0 {
		return exitFailed
	}
	return exitOK
}

// signalName returns the conventional name of sig, as in "received SIGTERM".
func signalName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}
