package testtool

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Redis is a throwaway Redis server on a loopback port, started by
// StartRedis for one test.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis runs Debian's redis-server on 127.0.0.1 without persistence
// until the test ends. A missing server fails the test under CI=true
// (scripts/test.sh installs redis-server) and skips it elsewhere.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin := Find("redis-server")
	if bin == "" {
		Missing(t, "redis-server is not installed: apt-get install redis-server")
		return nil
	}
	port := FreePort(t)
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	dir := t.TempDir()
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	log, err := os.Create(dir + "/server.log")
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(r.Stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", r.Addr, time.Second); err == nil {
			_, werr := fmt.Fprint(c, "PING\r\n")
			buf := make([]byte, 7)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(buf)
			_ = c.Close()
			if werr == nil && string(buf[:n]) == "+PONG\r\n" {
				return r
			}
		}
		if time.Now().After(deadline) {
			text, _ := os.ReadFile(log.Name())
			t.Fatalf("redis-server did not answer PING in 10s:\n%s", text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop shuts the server down and waits for it to exit.
func (r *Redis) Stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}
