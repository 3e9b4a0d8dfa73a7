// Package redistest starts a throwaway redis-server for tests. Only tests
// import it.
package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server that a test started.
type Server struct {
	URL  string // redis://127.0.0.1:<port>/0
	Addr string // 127.0.0.1:<port>

	process *os.Process
}

// Freeze stops the server (SIGSTOP) until Thaw or the end of the test: it
// keeps its connections but answers nothing, as one that hangs does.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	if err := s.process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Thaw)
}

// Thaw lets a frozen server go on.
func (s *Server) Thaw() { s.process.Signal(syscall.SIGCONT) }

// Start runs redis-server on a free port, in a temporary directory and
// without persistence, waits until it answers PING, and stops it when the
// test ends. When redis-server is not on PATH it skips the test, unless
// REQUIRE_REDIS=1, when it fails it.
func Start(t testing.TB) *Server {
	t.Helper()
	binary, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found on PATH, and REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not found on PATH: broker tests skipped")
	}
	// A free port can be taken by someone else before the server binds it:
	// then try another.
	for range 3 {
		if server, ok := start(t, binary); ok {
			return server
		}
	}
	t.Fatal("redis-server did not start on any of 3 free ports")
	return nil
}

func start(t testing.TB, binary string) (*Server, bool) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	server := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), process: cmd.Process}
	server.URL = "redis://" + server.Addr + "/0"
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return nil, false // the port was taken
		default:
		}
		if server.answers() {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return server, true
		}
	}
	cmd.Process.Kill()
	<-exited
	return nil, false
}

func freePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}

// answers tells whether the server answers PING with PONG.
func (s *Server) answers() bool {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && reply == "+PONG\r\n"
}
