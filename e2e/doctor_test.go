package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/doctor"
)

// doctorRun runs `obsgen doctor -o json` against the loopback servers, as a
// user runs it against a remote stack; Grafana does not run here, so its
// URL is given empty and its row is skipped.
func doctorRun(t *testing.T, repo string, p ports) (int, []doctor.Result, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := []string{"doctor", "--dir", repo, "-o", "json", "--timeout", "5s",
		"--prometheus-url", "http://" + loop(p.prom),
		"--loki-url", "http://" + loop(p.lokiHTTP),
		"--jaeger-url", "http://" + loop(p.jgUI),
		"--alertmanager-url", "http://" + loop(p.am),
		"--grafana-url", "",
	}
	began := time.Now()
	code := cli.Main(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	var rep struct {
		Results []doctor.Result `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("obsgen doctor: exit %d, not JSON (%v):\n%s%s", code, err, out.String(), errOut.String())
	}
	t.Logf("obsgen doctor: exit %d in %s", code, time.Since(began).Round(time.Millisecond))
	return code, rep.Results, out.String()
}

// checkDoctorHealthy: against the healthy stack every row passes but
// Grafana's, which is skipped; returns the rows to compare with later.
func checkDoctorHealthy(t *testing.T, repo string, p ports, servers []*proc) []doctor.Result {
	t.Helper()
	var rows []doctor.Result
	var out string
	// Rules are evaluated on their own interval; give a just-loaded group
	// its first evaluation before calling a row red.
	eventually(t, 90*time.Second, "obsgen doctor green", servers, func() error {
		var code int
		code, rows, out = doctorRun(t, repo, p)
		if code != cli.ExitOK {
			return fmt.Errorf("exit %d:\n%s", code, out)
		}
		return nil
	})
	for _, r := range rows {
		want := doctor.Pass
		if r.Check == doctor.CheckDashboards {
			want = doctor.Skip
		}
		if r.Status != want {
			t.Errorf("doctor row %s: %s (%s), want %s", r.Check, r.Status, r.Reason, want)
		}
	}
	return rows
}

// checkDoctorLokiDown: with Loki stopped, the logs row is red naming Loki,
// exit is ExitUnhealthy, and every other row is as it was.
func checkDoctorLokiDown(t *testing.T, repo string, p ports, healthy []doctor.Result) {
	t.Helper()
	code, rows, out := doctorRun(t, repo, p)
	if code != cli.ExitUnhealthy {
		t.Errorf("doctor with Loki down: exit %d, want %d\n%s", code, cli.ExitUnhealthy, out)
	}
	if len(rows) != len(healthy) {
		t.Fatalf("doctor with Loki down: %d rows, %d before", len(rows), len(healthy))
	}
	for i, r := range rows {
		if r.Check == doctor.CheckLogs {
			t.Logf("doctor logs row with Loki down: %s: %s (fix: %s)", r.Status, r.Reason, r.Fix)
			if r.Status != doctor.Fail || !strings.Contains(r.Reason, "Loki") || r.Fix == "" {
				t.Errorf("doctor logs row with Loki down: %+v, want failed naming Loki with a fix", r)
			}
			continue
		}
		if r.Status != healthy[i].Status || r.Check != healthy[i].Check {
			t.Errorf("doctor row %s changed with Loki down: %s (%s), was %s", r.Check, r.Status, r.Reason, healthy[i].Status)
		}
	}
}
