package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// The program test runs the real program in a child process, as a user
// does. The child is this test binary itself: TestMain turns it into the
// program when runAsProgram is set, so the test needs no build step.
const runAsProgram = "RUN_AS_PROGRAM"

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
	Failed    int    `json:"failed"`
	Cancelled int    `json:"cancelled"`
}

// program is a running child process and the events it has written.
type program struct {
	t      *testing.T
	cmd    *exec.Cmd
	events chan event // closed when stdout closes
	seen   []event
}

// command returns the program with args and --json, killed if the test runs
// past its hard timeout.
func command(t *testing.T, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"--json"}, args...)...)
	cmd.Env = append(os.Environ(), runAsProgram+"=1")
	return cmd
}

func start(t *testing.T, cmd *exec.Cmd) *program {
	t.Helper()
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
		for lines := bufio.NewScanner(stdout); lines.Scan(); {
			var e event
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				t.Errorf("not a JSON event: %q", lines.Text())
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
	var exitErr *exec.ExitError
	if err := p.cmd.Wait(); errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return 0
}

func TestProgramRunsEveryJobAndReportsFailures(t *testing.T) {
	t.Parallel()
	p := start(t, command(t, "--jobs", "6", "--workers", "2", "--work-ms", "10", "--fail-every", "3"))
	summary := p.await("summary")
	if code := p.exit(); code != 1 {
		t.Errorf("exit code %d, want 1 after a failure", code)
	}
	if summary.Submitted != 6 || summary.Completed != 4 || summary.Failed != 2 {
		t.Errorf("summary %+v, want 6 submitted, 4 completed, 2 failed", summary)
	}
}
