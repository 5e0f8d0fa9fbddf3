package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/internal/testtool"
)

// proc is a server the test started. Its output goes to a file that is
// attached to the test log when the test fails.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startProc starts bin with args and stops it when the test ends: SIGTERM,
// then SIGKILL after 5 s. On failure the last lines of its output are logged.
func startProc(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- %s output (last 60 lines) ---\n%s", name, tail(logPath, 60))
		}
	})
	return p
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort is testtool.FreePort, by its short name here.
func freePort(t *testing.T) int { return testtool.FreePort(t) }

func loop(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// eventually polls ok until it returns nil or the deadline passes, and
// fails with the last error. Servers that exited are reported at once.
func eventually(t *testing.T, limit time.Duration, what string, procs []*proc, ok func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var err error
	for {
		if err = ok(); err == nil {
			return
		}
		for _, p := range procs {
			if p.exited() {
				t.Fatalf("%s: %s exited", what, p.name)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, limit, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 10 * time.Second}

// getJSON GETs url (with headers as key, value pairs) and decodes a 200
// response into v.
func getJSON(ctx context.Context, url string, v any, headers ...string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(body, v)
}

// yamlDoc is a generated YAML config the test rewrites in place: only
// addresses and folders, each by a path that must already exist, so a
// config whose structure drifted fails here instead of running changed.
type yamlDoc struct {
	t    *testing.T
	name string
	root map[string]any
}

func loadYAML(t *testing.T, path string) *yamlDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := &yamlDoc{t: t, name: path}
	if err := yaml.Unmarshal(b, &d.root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// set replaces the value at keys (strings for maps, ints for lists).
func (d *yamlDoc) set(value any, keys ...any) {
	d.t.Helper()
	var cur any = d.root
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			ks, _ := k.(string)
			next, ok := c[ks]
			if !ok {
				d.t.Fatalf("%s: no key %v (path %v)", d.name, k, keys)
			}
			if last {
				c[ks] = value
				return
			}
			cur = next
		case []any:
			ki, ok := k.(int)
			if !ok || ki >= len(c) {
				d.t.Fatalf("%s: no index %v (path %v)", d.name, k, keys)
			}
			if last {
				c[ki] = value
				return
			}
			cur = c[ki]
		default:
			d.t.Fatalf("%s: %v is not a map or list (path %v)", d.name, k, keys)
		}
	}
}

func (d *yamlDoc) get(keys ...any) any {
	var cur any = d.root
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k.(string)]
		case []any:
			cur = c[k.(int)]
		default:
			return nil
		}
	}
	return cur
}

func (d *yamlDoc) write(path string) {
	d.t.Helper()
	b, err := yaml.Marshal(d.root)
	if err != nil {
		d.t.Fatal(err)
	}
	writeFile(d.t, path, b)
}
