package cli

import (
	"net"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestDoctorNothingRunning: against closed ports doctor prints one line,
// no stack trace and no table, and exits ExitUnreachable.
func TestDoctorNothingRunning(t *testing.T) {
	dir := initCheckout(t)
	closed := closedURL(t)
	r := run(t, nil, "doctor", "--dir", dir, "--prometheus-url", closed, "--loki-url", closed,
		"--jaeger-url", closed, "--alertmanager-url", closed, "--grafana-url", "")
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitUnreachable, r.out, r.errOut)
	}
	line := strings.TrimRight(r.errOut, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "obsgen: nothing runs at "+closed) ||
		!strings.Contains(line, "connection refused") || strings.Contains(line, "dial tcp") || r.out != "" {
		t.Errorf("want one clear line on stderr and nothing on stdout; got stdout %q stderr %q", r.out, r.errOut)
	}
}

// TestDoctorFailedCheckExitCode: one backend down among answering ones
// prints the table and exits ExitUnhealthy.
func TestDoctorFailedCheckExitCode(t *testing.T) {
	dir := initCheckout(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"))
			c.Close()
		}
	}()
	up := "http://" + l.Addr().String()
	r := run(t, nil, "doctor", "--dir", dir, "-o", "json", "--prometheus-url", up, "--loki-url", "", "--jaeger-url", "", "--alertmanager-url", "", "--grafana-url", "")
	if r.code != ExitUnhealthy || !strings.Contains(r.out, `"status": "fail"`) || !strings.Contains(r.out, `"status": "skip"`) {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitUnhealthy, r.out, r.errOut)
	}
}

// TestDoctorDocs keeps docs/doctor.md's exit codes, flags and JSON fields
// in step with the code.
func TestDoctorDocs(t *testing.T) {
	d := readDoc(t, "../../docs/doctor.md")
	for _, code := range []int{ExitOK, ExitUsage, ExitUnhealthy, ExitUnreachable} {
		if !strings.Contains(d, "| "+string(rune('0'+code))+" |") {
			t.Errorf("docs/doctor.md does not document exit code %d", code)
		}
	}
	newDoctorCmd(&globalOptions{}, IO{}).Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(d, "| `--"+f.Name+"` |") {
			t.Errorf("docs/doctor.md has no row for --%s", f.Name)
		}
	})
	for _, field := range []string{"service", "check", "status", "reason", "fix", "url", "unreachable"} {
		if !strings.Contains(d, "| `"+field+"` |") {
			t.Errorf("docs/doctor.md has no row for JSON field %s", field)
		}
	}
}

// initCheckout runs obsgen init without questions in a new directory.
func initCheckout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout"); r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	return dir
}

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}
