package harness

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// WorkKind selects how a job simulates its work.
type WorkKind string

const (
	// IO waits without using the CPU, like a network call.
	IO WorkKind = "io"
	// CPU computes for about the same time, like parsing or hashing.
	CPU WorkKind = "cpu"
)

// String implements flag.Value.
func (k *WorkKind) String() string { return string(*k) }

// Set implements flag.Value and accepts only io or cpu.
func (k *WorkKind) Set(value string) error {
	switch WorkKind(value) {
	case IO, CPU:
		*k = WorkKind(value)
		return nil
	}
	return errors.New("must be io or cpu")
}

// Config holds the program's flags after parsing.
type Config struct {
	Jobs      int      // jobs to submit; for graceful-stop, 0 means until signalled
	Workers   int      // jobs running at once (fan-out starts every job at once)
	WorkMS    int      // simulated work per job, in milliseconds
	Work      WorkKind // io or cpu
	FailEvery int      // job j fails when j is a multiple of FailEvery; 0 means never
	TimeoutMS int      // deadline per operation (timeout)
	Buffer    int      // queue capacity (producer-consumer)
	DrainMS   int      // how long a graceful stop waits for in-flight jobs
	JSON      bool     // one JSON event per line instead of human lines
}

// errHelp reports that -h or --help asked for usage, which is not a failure.
var errHelp = errors.New("help requested")

// parseConfig parses args into a Config that starts from the program's
// defaults. On -h it writes usage to stdout and returns errHelp.
func parseConfig(p Program, args []string, stdout io.Writer) (Config, error) {
	cfg := Config{
		Jobs:      p.DefaultJobs,
		Workers:   3,
		WorkMS:    p.DefaultWorkMS,
		Work:      IO,
		TimeoutMS: 1000,
		Buffer:    2,
		DrainMS:   5000,
	}
	fs := flag.NewFlagSet(p.Pattern, flag.ContinueOnError)
	// The flag package would print its own errors and usage on failure; the
	// contract wants one message on stderr and nothing on stdout, so the
	// caller prints the returned error instead.
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.Jobs, "jobs", cfg.Jobs, "`N` jobs to submit (graceful-stop: 0 = until signalled)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "`N` jobs running at once (fan-out starts every job at once)")
	fs.IntVar(&cfg.WorkMS, "work-ms", cfg.WorkMS, "simulated work per job, in `ms`")
	fs.Var(&cfg.Work, "work", "simulated work: `io|cpu` (io waits, cpu computes)")
	fs.IntVar(&cfg.FailEvery, "fail-every", cfg.FailEvery, "every `K`-th job fails (0 = none)")
	fs.IntVar(&cfg.TimeoutMS, "timeout-ms", cfg.TimeoutMS, "deadline per operation, in `ms` (timeout)")
	fs.IntVar(&cfg.Buffer, "buffer", cfg.Buffer, "queue capacity, in `items` (producer-consumer)")
	fs.IntVar(&cfg.DrainMS, "drain-ms", cfg.DrainMS, "how long a graceful stop waits for in-flight jobs, in `ms`")
	fs.BoolVar(&cfg.JSON, "json", cfg.JSON, "write one JSON event per line")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Runs the %s pattern on simulated jobs.\n\nFlags (-flag and --flag both work):\n", p.Pattern)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return cfg, errHelp
		}
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ranges := []struct {
		name  string
		value int
		min   int
	}{
		{"jobs", cfg.Jobs, 0},
		{"workers", cfg.Workers, 1},
		{"work-ms", cfg.WorkMS, 0},
		{"fail-every", cfg.FailEvery, 0},
		{"timeout-ms", cfg.TimeoutMS, 1},
		{"buffer", cfg.Buffer, 1},
		{"drain-ms", cfg.DrainMS, 0},
	}
	for _, r := range ranges {
		if r.value < r.min {
			return cfg, fmt.Errorf("--%s must be at least %d, not %d", r.name, r.min, r.value)
		}
	}
	return cfg, nil
}
