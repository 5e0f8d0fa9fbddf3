// Package testtool finds the real programs tests check generated files with
// (promtool, amtool, loki, otelcol, jaeger, helm, kubectl-validate, go).
// Under CI=true a missing tool fails the test; elsewhere it skips with the
// command that installs it, so a developer without the cache can still run
// the fast tests.
package testtool

import (
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BinDir is where scripts/tools.sh links the cached tool binaries.
func BinDir() string {
	if d := os.Getenv("OBSGEN_TOOLS_BIN"); d != "" {
		return d
	}
	if d := os.Getenv("OBSGEN_TOOLS_CACHE"); d != "" {
		return filepath.Join(d, "bin")
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "obsgen-tools", "bin")
}

// InCI reports whether tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Find returns the path of a tool from the tools cache or PATH, or "".
func Find(name string) string {
	if p := filepath.Join(BinDir(), name); isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// Require returns the path of a tool or stops the test: it fails under
// CI=true and skips otherwise.
func Require(t testing.TB, name string) string {
	t.Helper()
	if p := Find(name); p != "" {
		return p
	}
	Missing(t, name+" is not installed: run scripts/tools.sh "+name)
	return ""
}

// Missing stops a test whose real dependency is unavailable: a failure in
// CI, a skip on a developer machine.
func Missing(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Slow skips a test under -short: the fast loop (`make test`) leaves out
// what builds or runs programs, or repeats a scenario many times; CI runs
// everything.
func Slow(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip(what + ": slow, skipped with -short (make test-all runs it)")
	}
}

// Go returns the go command, for tests that build generated code.
func Go(t testing.TB) string {
	t.Helper()
	return Require(t, "go")
}

// Run runs tool in dir (the test's own folder when empty) with NO_COLOR=1
// and env added to the test's environment, and returns its combined
// output: the one runner of real tools the test modules share.
func Run(dir, tool string, env []string, args ...string) (string, error) {
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// MustRun is Run that fails the test with the tool's output when it exits
// non-zero.
func MustRun(t testing.TB, dir, tool string, env []string, args ...string) string {
	t.Helper()
	out, err := Run(dir, tool, env, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", filepath.Base(tool), strings.Join(args, " "), dir, err, out)
	}
	return out
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// ReadTree returns every file under dir by slash path, skipping .git, so
// tests can compare whole trees before and after a run.
func ReadTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// FreePort asks the kernel for a free loopback port, for a server a test
// starts.
//
// A port is handed out once per process: the kernel may give a port that
// was just closed again, and two ports of one service (its own and its
// metrics') that come out equal make it fail to bind.
func FreePort(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, taken := handedOut.LoadOrStore(port, true); !taken {
			return port
		}
	}
}

// handedOut holds the ports FreePort returned.
var handedOut sync.Map
