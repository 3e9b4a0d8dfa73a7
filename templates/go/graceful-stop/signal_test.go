//go:build unix

package main

import (
	"syscall"
	"testing"
)

// startService runs the service with args in its own process group, as a terminal
// runs a command, and waits until it is ready with its workers busy.
func startService(t *testing.T, args ...string) *program {
	cmd := command(t, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := start(t, cmd)
	p.await("ready")
	p.await("start")
	p.await("start")
	return p
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
			p := startService(t, "--workers", "2", "--work-ms", "400")
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
	p := startService(t, "--workers", "2", "--work-ms", "60000", "--drain-ms", "300")
	p.signal(syscall.SIGTERM, false)
	p.await("stopping")
	if code := p.exit(); code != 1 {
		t.Errorf("exit code %d, want 1 (jobs were cancelled)", code)
	}
	checkStop(t, p.seen, 2, "cancel")
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	p := startService(t, "--workers", "2", "--work-ms", "60000", "--drain-ms", "60000")
	p.signal(syscall.SIGTERM, false)
	p.await("stopping")
	p.signal(syscall.SIGINT, false)
	if code := p.exit(); code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
}

// checkStop checks a stopped run of workers workers: no more than one job
// per worker started after the stop (one taken as the signal came), every
// job that started ended once, with the wanted terminal event, and the
// summary agrees.
func checkStop(t *testing.T, events []event, workers int, terminal string) {
	t.Helper()
	stopped, lateStarts := false, 0
	ended := make(map[int]string)
	for _, e := range events {
		switch e.Event {
		case "stopping":
			stopped = true
		case "start":
			if stopped {
				lateStarts++
			}
			ended[e.Job] = ""
		case "done", "fail", "cancel":
			if ended[e.Job] != "" {
				t.Errorf("job %d ended twice: %s and %s", e.Job, ended[e.Job], e.Event)
			}
			ended[e.Job] = e.Event
		}
	}
	if lateStarts > workers {
		t.Errorf("%d jobs started after stopping", lateStarts)
	}
	for job, how := range ended {
		if how != terminal {
			t.Errorf("job %d ended with %q, want %q", job, how, terminal)
		}
	}
	if last := events[len(events)-1]; last.Event != "summary" || last.Submitted != len(ended) || last.Completed+last.Cancelled != len(ended) {
		t.Errorf("last event %+v, want a summary of the %d jobs started", last, len(ended))
	}
}
