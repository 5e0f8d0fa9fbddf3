package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// outageTimings shorten the exporter's retry intervals on the command line,
// so a one-minute test sees as many failed attempts as a long outage would.
// The generated file is not touched: what is tested is its queue, storage
// and endless retries.
var outageTimings = []string{
	"--set=exporters::otlp_http/loki::retry_on_failure::initial_interval=200ms",
	"--set=exporters::otlp_http/loki::retry_on_failure::max_interval=1s",
	"--set=exporters::otlp_http/loki::timeout=2s",
}

// TestLogsSurviveLokiOutage runs the generated host-mode collector config
// and Loki through an outage: Loki stops, lines keep coming, the log file
// rotates, the collector restarts with a backlog, Loki comes back. Every
// line must reach Loki exactly once.
//
// OBSGEN_OUTAGE_OVERRIDE adds collector arguments to the run, to watch it
// fail: with --set=exporters::otlp_http/loki::sending_queue::storage=null
// (an in-memory queue) the lines queued before the restart are lost, with
// ...::retry_on_failure::max_elapsed_time=5s the exporter drops them.
//
// Run it alone: cd e2e && go test -run TestLogsSurviveLokiOutage -v
func TestLogsSurviveLokiOutage(t *testing.T) {
	if testing.Short() {
		testtool.Missing(t, "starts Loki and the collector twice: not run with -short")
	}
	lokiBin, colBin := testtool.Require(t, "loki"), testtool.Require(t, "otelcol")
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	p := newPorts(t)
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	logFile := filepath.Join(work, "logs", e2eService+".log")
	s := spec.New()
	s.Service.Name, s.Service.Module, s.Service.Environment = e2eService, "example.com/"+e2eService, e2eEnv
	s.Logs.Path = logFile
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		writeFile(t, filepath.Join(repo, f.Path), f.Content)
	}
	writeFile(t, logFile, nil)
	cfgDir := filepath.Join(repo, s.Output.ConfigDir)
	args := append([]string{}, outageTimings...)
	if o := os.Getenv("OBSGEN_OUTAGE_OVERRIDE"); o != "" {
		args = append(args, strings.Fields(o)...)
	}
	lokiURL := "http://" + loop(p.lokiHTTP)
	metricsURL := "http://" + loop(p.colMetr) + "/metrics"

	lokiProc := startLoki(t, lokiBin, cfgDir, work, p)
	col := startCollector(t, colBin, repo, s, work, p, args...)
	servers := []*proc{lokiProc, col}
	eventually(t, 60*time.Second, "loki ready", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	eventually(t, 30*time.Second, "collector healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.colHealth)+"/", nil) })

	var ids []string
	write := func(phase string, n int) {
		t.Helper()
		lines := make([]string, n)
		for i := range lines {
			id := fmt.Sprintf("%s-%03d-%s", phase, i, randomHex(4))
			ids = append(ids, id)
			lines[i] = fmt.Sprintf(`{"time":%q,"level":"info","msg":"order placed","service":%q,"environment":%q,"line_id":%q}`,
				time.Now().UTC().Format(time.RFC3339Nano), e2eService, e2eEnv, id)
		}
		appendLines(t, logFile, lines...)
	}
	// read waits until the running collector has read want lines: only then
	// may the file rotate or the collector stop.
	read := func(want float64) {
		t.Helper()
		eventually(t, 30*time.Second, fmt.Sprintf("collector read %v lines", want), []*proc{col}, func() error {
			got, err := acceptedLogRecords(ctx, metricsURL)
			if err == nil && got < want {
				err = fmt.Errorf("read %v", got)
			}
			return err
		})
	}

	// 1. Loki up: the pipeline works.
	write("before", 40)
	eventually(t, 30*time.Second, "first lines in Loki", servers, func() error { return allOnce(ctx, lokiURL, s, began, ids) })
	t.Logf("pipeline works: %s", time.Since(began).Round(time.Millisecond))

	// 2. Loki down; lines keep coming and the file rotates.
	lokiProc.stop()
	write("down", 40)
	read(80)
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, logFile, nil)
	write("rotated", 40)
	read(120)
	// Retries keep failing for a while, dozens of attempts at the shortened
	// intervals; the lines must still be queued after them. (With
	// --set=exporters::otlp_http/loki::retry_on_failure::max_elapsed_time=5s
	// the exporter gives up and the queue is empty here.)
	time.Sleep(10 * time.Second)
	if n, err := collectorMetric(ctx, metricsURL, "otelcol_exporter_queue_size"); err != nil || n == 0 {
		t.Fatalf("the exporter's queue is empty while Loki is down (size %v, %v): the exporter dropped the lines", n, err)
	}

	// 3. The collector restarts with a backlog, Loki still down; more lines
	// arrive while it is stopped.
	col.stop()
	write("restart", 40)
	col = startCollector(t, colBin, repo, s, work, p, args...)
	eventually(t, 30*time.Second, "collector healthy again", []*proc{col}, func() error { return getJSON(ctx, "http://"+loop(p.colHealth)+"/", nil) })
	read(40)
	time.Sleep(3 * time.Second)
	t.Logf("outage done: %s", time.Since(began).Round(time.Millisecond))

	// 4. Loki back: every line arrives, once.
	lokiProc = startLoki(t, lokiBin, cfgDir, work, p)
	servers = []*proc{lokiProc, col}
	eventually(t, 60*time.Second, "loki ready again", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	eventually(t, 60*time.Second, "every line in Loki", servers, func() error { return allOnce(ctx, lokiURL, s, began, ids) })
	// Late duplicates (a batch sent twice) would show after a little while.
	time.Sleep(3 * time.Second)
	if err := allOnce(ctx, lokiURL, s, began, ids); err != nil {
		t.Error(err)
	}
	t.Logf("total: %s", time.Since(began).Round(time.Millisecond))
}

// allOnce checks that Loki holds each of ids exactly once.
func allOnce(ctx context.Context, lokiURL string, s spec.Spec, since time.Time, ids []string) error {
	lines, err := queryLoki(ctx, lokiURL, loki.Selector(s), since)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for _, l := range lines {
		if id, ok := l.json["line_id"].(string); ok {
			seen[id]++
		}
	}
	var missing, twice []string
	for _, id := range ids {
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	if len(missing)+len(twice) > 0 {
		return fmt.Errorf("%d of %d lines missing (first %v), %d more than once (%v)",
			len(missing), len(ids), first(missing, 3), len(twice), first(twice, 3))
	}
	return nil
}

func first(list []string, n int) []string { return list[:min(n, len(list))] }

// acceptedLogRecords is how many log records the collector's file_log
// receiver has read, from the collector's own metrics.
func acceptedLogRecords(ctx context.Context, url string) (float64, error) {
	return collectorMetric(ctx, url, "otelcol_receiver_accepted_log_records")
}

// collectorMetric sums a counter (with or without the _total suffix) or a
// gauge of the collector's own metrics over its series.
func collectorMetric(ctx context.Context, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for _, n := range []string{name, name + "_total"} {
		if f, ok := fams[n]; ok {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum, nil
}
