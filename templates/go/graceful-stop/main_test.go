//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// These tests run the real program in a child process and signal it, the
// way a terminal or a service manager would. The child is this test binary
// itself: TestMain turns it into the program when runAsProgram is set, so
// the test needs no separate build step.
const runAsProgram = "GRACEFUL_STOP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProgram) == "1" {
		main() // exits with the program's exit code
	}
	os.Exit(m.Run())
}

// event is one JSON line of the program's output.
type event struct {
	Event     string `json:"event"`
	Job       int    `json:"job"`
	Signal    string `json:"signal"`
	Submitted int    `json:"submitted"`
	Completed int    `json:"completed"`
	Cancelled int    `json:"cancelled"`
}

// program is a running child process and its events.
type program struct {
	t      *testing.T
	cmd    *exec.Cmd
	events chan event // closed when stdout closes
	seen   []event
}

// start runs the program with args (plus --json) in its own process group.
// The child is killed if the test runs past its hard timeout.
func start(t *testing.T, args ...string) *program {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"--json"}, args...)...)
	cmd.Env = append(os.Environ(), runAsProgram+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &program{t: t, cmd: cmd, events: make(chan event)}
	go func() {
		defer close(p.events)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			var e event
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				t.Errorf("not a JSON event: %q", lines.Text())
				continue
			}
			p.events <- e
		}
	}()
	return p
}

// await reads events until one named name, and returns it.
func (p *program) await(name string) event {
	p.t.Helper()
	for e := range p.events {
		p.seen = append(p.seen, e)
		if e.Event == name {
			return e
		}
	}
	p.t.Fatalf("output ended before a %q event; got %+v", name, p.seen)
	return event{}
}

// exit reads the rest of the output and returns the exit code.
func (p *program) exit() int {
	p.t.Helper()
	for e := range p.events {
		p.seen = append(p.seen, e)
	}
	err := p.cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	if err != nil {
		p.t.Fatal(err)
	}
	return 0
}

func (p *program) signal(sig syscall.Signal, group bool) {
	p.t.Helper()
	pid := p.cmd.Process.Pid
	if group {
		pid = -pid // the whole process group, as Ctrl-C in a terminal
	}
	if err := syscall.Kill(pid, sig); err != nil {
		p.t.Fatal(err)
	}
}

func TestSignalStopsIntakeAndDrains(t *testing.T) {
	tests := []struct {
		name  string
		sig   syscall.Signal
		group bool
		want  string
	}{
		{"SIGTERM", syscall.SIGTERM, false, "SIGTERM"},
		{"SIGINT", syscall.SIGINT, false, "SIGINT"},
		{"Ctrl-C to the process group", syscall.SIGINT, true, "SIGINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, "--workers", "2", "--work-ms", "400")
			p.await("ready")
			p.await("start")
			p.await("start")
			p.signal(tt.sig, tt.group)
			if got := p.await("stopping").Signal; got != tt.want {
				t.Errorf("stopping on %q, want %q", got, tt.want)
			}
			if code := p.exit(); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			checkStop(t, p.seen, 2, "done")
		})
	}
}

func TestDrainDeadlineCancelsStuckJobs(t *testing.T) {
	t.Parallel()
	p := start(t, "--workers", "2", "--work-ms", "60000", "--drain-ms", "300")
	p.await("ready")
	p.await("start")
	p.await("start")
	p.signal(syscall.SIGTERM, false)
	p.await("stopping")
	if code := p.exit(); code != 1 {
		t.Errorf("exit code %d, want 1 (jobs were cancelled)", code)
	}
	checkStop(t, p.seen, 2, "cancel")
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	p := start(t, "--workers", "2", "--work-ms", "60000", "--drain-ms", "60000")
	p.await("ready")
	p.await("start")
	p.signal(syscall.SIGTERM, false)
	p.await("stopping")
	p.signal(syscall.SIGINT, false)
	if code := p.exit(); code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	if last := p.seen[len(p.seen)-1]; last.Event != "summary" {
		t.Errorf("last event %q, want the summary", last.Event)
	}
}

// checkStop checks the events of a stopped run of workers workers: intake
// stopped, every job that started ends in exactly one terminal event of the
// wanted kind, and the summary agrees.
func checkStop(t *testing.T, events []event, workers int, terminal string) {
	t.Helper()
	stopped := false
	lateStarts := 0
	started := make(map[int]bool)
	ended := make(map[int]string)
	for _, e := range events {
		switch e.Event {
		case "stopping":
			stopped = true
		case "start":
			if stopped {
				lateStarts++
			}
			started[e.Job] = true
		case "done", "fail", "cancel":
			if ended[e.Job] != "" {
				t.Errorf("job %d ended twice: %s and %s", e.Job, ended[e.Job], e.Event)
			}
			ended[e.Job] = e.Event
		}
	}
	// A worker that took its job at the very moment of the signal prints
	// its start after the announcement; more than one per worker would
	// mean intake went on.
	if lateStarts > workers {
		t.Errorf("%d jobs started after stopping", lateStarts)
	}
	for job := range started {
		if ended[job] != terminal {
			t.Errorf("job %d ended with %q, want %q", job, ended[job], terminal)
		}
	}
	last := events[len(events)-1]
	if last.Event != "summary" || last.Submitted != len(started) {
		t.Fatalf("last event %+v, want a summary of %d submitted jobs", last, len(started))
	}
	if got := last.Completed + last.Cancelled; got != len(started) {
		t.Errorf("summary: %d completed + %d cancelled, want %d", last.Completed, last.Cancelled, len(started))
	}
}
