package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Postgres is a throwaway PostgreSQL server on a loopback port, started
// by StartPostgres for one test: a real database, not a stand-in.
type Postgres struct {
	// DSN connects as the cluster's superuser (trust authentication, on
	// 127.0.0.1 only).
	DSN  string
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// postgresBin finds the directory that holds initdb, postgres and
// pg_isready: Debian keeps them under /usr/lib/postgresql/<version>/bin,
// off PATH (the newest version wins), elsewhere they are on PATH.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append([]string{filepath.Dir(p)}, dirs...)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if isExecutable(filepath.Join(dirs[i], "initdb")) && isExecutable(filepath.Join(dirs[i], "postgres")) && isExecutable(filepath.Join(dirs[i], "pg_isready")) {
			return dirs[i]
		}
	}
	return ""
}

// StartPostgres initialises a cluster in a temporary folder and runs it
// until the test ends. PostgreSQL refuses to run as root: as root, the
// cluster belongs to the postgres user the Debian package creates and the
// server runs as that user. A missing server fails the test under CI=true
// (scripts/test.sh installs Debian's postgresql) and skips it elsewhere.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		Missing(t, "PostgreSQL is not installed: apt-get install postgresql")
		return nil
	}
	var cred *syscall.Credential
	// As root, the folder must be reachable by the postgres user: not
	// under a TMPDIR only root may enter.
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "obsgen-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			Missing(t, "running as root and there is no postgres user to run PostgreSQL as: "+err.Error())
			return nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "obsgen", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg := &Postgres{Port: FreePort(t), done: make(chan struct{})}
	pg.DSN = fmt.Sprintf("postgres://obsgen@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	pg.cmd = command("postgres", "-D", data, "-p", strconv.Itoa(pg.Port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=20")
	pg.cmd.Stdout, pg.cmd.Stderr = log, log
	if err := pg.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = pg.cmd.Wait(); close(pg.done) }()
	t.Cleanup(pg.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if out, err := command("pg_isready", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "obsgen").CombinedOutput(); err == nil {
			return pg
		} else if time.Now().After(deadline) {
			logText, _ := os.ReadFile(log.Name())
			t.Fatalf("PostgreSQL did not become ready in 30s: %v %s\n%s", err, out, logText)
		}
		select {
		case <-pg.done:
			logText, _ := os.ReadFile(log.Name())
			t.Fatalf("PostgreSQL exited:\n%s", logText)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown: open connections are
// closed) and waits until it no longer accepts connections.
func (pg *Postgres) Stop() {
	select {
	case <-pg.done:
		return
	default:
	}
	_ = pg.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-pg.done:
	case <-time.After(20 * time.Second):
		_ = pg.cmd.Process.Kill()
		<-pg.done
	}
}
