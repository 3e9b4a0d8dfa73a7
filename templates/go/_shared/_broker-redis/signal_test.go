//go:build unix

package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startService runs a worker with args in its own process group, as a
// terminal runs a command, and waits until it is ready with two jobs
// running.
func (f *fixture) startService(consumer string, args ...string) *program {
	f.t.Helper()
	cmd := f.command(consumer, append([]string{"--role", "worker", "--workers", "2"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := start(f.t, cmd)
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

func TestSignalDrainsAndAcknowledges(t *testing.T) {
	tests := []struct {
		name  string
		sig   syscall.Signal
		group bool
		want  string
	}{
		{"SIGTERM", syscall.SIGTERM, false, "SIGTERM"},
		{"Ctrl-C to the process group", syscall.SIGINT, true, "SIGINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.produce(6, "--work-ms", "400")
			p := f.startService("worker")
			p.signal(tt.sig, tt.group)
			if got := p.await("stopping").Signal; got != tt.want {
				t.Errorf("stopping on %q, want %q", got, tt.want)
			}
			if code := p.exit(); code != 0 {
				t.Errorf("exit code %d, want 0; stderr:\n%s", code, p.stderr.String())
			}
			done := count("done", p)
			for job := range count("start", p) {
				if done[job] != 1 {
					t.Errorf("job %d started and done %d times, want once", job, done[job])
				}
			}
			// What the worker read but never started went back to the
			// stream: nothing is pending, nothing lost.
			ctx := context.Background()
			if pending := f.peek.XPending(ctx, "concur:jobs", "concur:jobs:workers").Val().Count; pending != 0 {
				t.Errorf("%d jobs left pending", pending)
			}
			if left := f.peek.XLen(ctx, "concur:jobs").Val(); int(left) != 6-len(done) {
				t.Errorf("%d jobs left in the stream, want the %d not done", left, 6-len(done))
			}
		})
	}
}

func TestDrainDeadlineLeavesTheJobPendingForAnother(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.produce(2, "--work-ms", "2000")
	stopped := f.startService("stopped", "--drain-ms", "200")
	stopped.signal(syscall.SIGTERM, false)
	if code := stopped.exit(); code != 1 {
		t.Errorf("exit code %d, want 1 (jobs were cancelled)", code)
	}
	if cancelled := count("cancel", stopped); len(cancelled) != 2 {
		t.Errorf("cancelled %v, want the 2 jobs in flight", cancelled)
	}
	pending := f.peek.XPendingExt(context.Background(), &redis.XPendingExtArgs{
		Stream: "concur:jobs", Group: "concur:jobs:workers", Start: "-", End: "+", Count: 10}).Val()
	if len(pending) != 2 || pending[0].Consumer != "stopped" || pending[1].Consumer != "stopped" {
		t.Errorf("pending %+v, want the 2 cancelled jobs, still the stopped worker's", pending)
	}
	rescuer := f.run("rescuer", 0, "--role", "worker", "--workers", "2", "--claim-idle-ms", "300", "--idle-exit-ms", "300")
	if claimed := count("claim", rescuer); len(claimed) != 2 {
		t.Errorf("claimed %v, want both jobs", claimed)
	}
	f.checkEveryJobDoneOnce(2, stopped, rescuer)
}

// With the server gone during the stop, the jobs that end cannot be
// acknowledged: the worker stops waiting at the drain deadline, leaves them
// pending (at least once) and exits 1, instead of retrying forever.
func TestDrainDeadlineHoldsWhileTheServerIsDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.produce(2, "--work-ms", "300")
	stopped := f.startService("stopped", "--drain-ms", "1000")
	stopped.signal(syscall.SIGTERM, false)
	f.peek.Shutdown(context.Background()) // its reply never comes: the server is gone
	signalled := time.Now()
	if code := stopped.exit(); code != 1 {
		t.Errorf("exit code %d, want 1 (jobs left pending); stderr:\n%s", code, stopped.stderr.String())
	}
	// The deadline, plus at most one command's read timeout in flight.
	if elapsed := time.Since(signalled); elapsed > 5*time.Second {
		t.Errorf("exited %v after the signal, want soon after the 1 s drain deadline", elapsed)
	}
	if !strings.Contains(stopped.stderr.String(), "left pending") {
		t.Errorf("stderr %q, want the jobs left pending named", stopped.stderr.String())
	}
	if done := count("done", stopped); len(done) != 0 {
		t.Errorf("done %v with the server down, want none", done)
	}
}

// A frozen server answers nothing: the stop must still keep --drain-ms,
// cutting the blocked read short, instead of waiting for the client's
// read timeout (10 s for a blocking read).
func TestStopKeepsTheDrainWhileTheServerIsFrozen(t *testing.T) {
	for _, tt := range []struct {
		name     string
		jobs     int
		wantCode int
	}{{"idle", 0, 0}, {"jobs in flight", 2, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.jobs > 0 {
				f.produce(tt.jobs, "--work-ms", "60000")
			}
			// Free workers: the reader is blocked in a read, not waiting for a slot.
			p := start(t, f.command("worker", "--role", "worker", "--workers", "4", "--drain-ms", "200"))
			p.await("ready")
			for range tt.jobs {
				p.await("start")
			}
			time.Sleep(100 * time.Millisecond) // a read is blocked
			f.server.Freeze(t)
			signalled := time.Now()
			p.signal(syscall.SIGTERM, false)
			if code := p.exit(); code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, p.stderr.String())
			}
			if elapsed := time.Since(signalled); elapsed > 1200*time.Millisecond {
				t.Errorf("exited %v after the signal, want within the 200 ms drain + 1 s", elapsed)
			}
			f.server.Thaw()
			if pending := f.peek.XPending(context.Background(), "concur:jobs", "concur:jobs:workers").Val().Count; pending != int64(tt.jobs) {
				t.Errorf("%d jobs pending, want the %d in flight", pending, tt.jobs)
			}
		})
	}
}

// A stop during the start-up, while the stream cannot be opened yet, is a
// stop, not an outage: nothing was taken from the stream, so the program
// exits 0 at once with an empty summary. It waits neither for the start-up
// limit nor for a connection or a reply that never comes.
func TestStopDuringStartUpIsNoOutage(t *testing.T) {
	for _, tt := range []struct {
		name string
		// refuse closes the listener once the program has connected: its
		// next tries are refused. Otherwise the listener accepts and never
		// answers, as a frozen server or a black hole does.
		refuse bool
	}{{"server refuses connections", true}, {"server never answers", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			listener, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer listener.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			url := "redis://" + listener.Addr().String() + "/0"
			p := start(t, exec.CommandContext(ctx, os.Args[0], "--json", "--role", "worker", "--redis-url", url))
			// A connection proves the program in its start-up, its signal
			// handling in place.
			listener.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
			conn, err := listener.Accept()
			if err != nil {
				t.Fatalf("the program never connected: %v", err)
			}
			defer conn.Close()
			if tt.refuse {
				conn.Close()
				listener.Close()
				time.Sleep(300 * time.Millisecond) // a refusal or two, and a wait to try again
			}
			signalled := time.Now()
			p.signal(syscall.SIGTERM, false)
			if code := p.exit(); code != 0 {
				t.Errorf("exit code %d, want 0; stderr:\n%s", code, p.stderr.String())
			}
			if elapsed := time.Since(signalled); elapsed > 2*time.Second {
				t.Errorf("exited %v after the signal, want at once", elapsed)
			}
			if strings.Contains(p.stderr.String(), "cannot reach") {
				t.Errorf("stderr %q, want no outage reported", p.stderr.String())
			}
			if len(p.seen) == 0 || p.seen[len(p.seen)-1] != (event{Event: "summary"}) {
				t.Errorf("events %+v, want a summary with zero counts last", p.seen)
			}
		})
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.produce(2, "--work-ms", "60000")
	p := f.startService("worker", "--drain-ms", "60000")
	p.signal(syscall.SIGTERM, false)
	p.await("stopping")
	p.signal(syscall.SIGINT, false)
	if code := p.exit(); code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
}

// A producer stopped while it waits for room exits 0: the job it was about
// to add was never submitted, and the jobs it added are safe in the stream.
func TestProducerStoppedWhileWaitingForRoomExits0(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := start(t, f.command("producer", "--role", "producer", "--jobs", "0", "--buffer", "4"))
	for range 4 {
		p.await("produce")
	}
	time.Sleep(300 * time.Millisecond) // the stream is full: it waits to add job 5
	p.signal(syscall.SIGTERM, false)
	if code := p.exit(); code != 0 {
		t.Errorf("exit code %d, want 0; stderr:\n%s", code, p.stderr.String())
	}
	if cancelled := count("cancel", p); len(cancelled) != 0 {
		t.Errorf("cancelled %v, want none: job 5 was never submitted", cancelled)
	}
	if summary := p.seen[len(p.seen)-1]; summary.Event != "summary" || summary.Submitted != 4 {
		t.Errorf("last event %+v, want a summary of 4 submitted", summary)
	}
	if n := f.peek.XLen(context.Background(), "concur:jobs").Val(); n != 4 {
		t.Errorf("the stream holds %d jobs, want the 4 produced", n)
	}
}
