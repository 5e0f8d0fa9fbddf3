package e2e

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// collectorConfig is the part of a collector config that decides whether
// log lines survive a Loki outage and a collector restart.
type collectorConfig struct {
	Receivers map[string]struct {
		Include []string `yaml:"include"`
		Storage string   `yaml:"storage"`
		Retry   *retry   `yaml:"retry_on_failure"`
	} `yaml:"receivers"`
	Exporters map[string]struct {
		SendingQueue *struct {
			Enabled         bool   `yaml:"enabled"`
			Storage         string `yaml:"storage"`
			BlockOnOverflow bool   `yaml:"block_on_overflow"`
		} `yaml:"sending_queue"`
		Retry *retry `yaml:"retry_on_failure"`
	} `yaml:"exporters"`
	Service struct {
		Extensions []string `yaml:"extensions"`
		Pipelines  map[string]struct {
			Receivers  []string `yaml:"receivers"`
			Processors []string `yaml:"processors"`
			Exporters  []string `yaml:"exporters"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

// retry is a receiver's or exporter's retry_on_failure.
type retry struct {
	Enabled        bool   `yaml:"enabled"`
	MaxElapsedTime string `yaml:"max_elapsed_time"`
}

// endless reports whether r retries until the data is accepted.
func (r *retry) endless() bool { return r != nil && r.Enabled && r.MaxElapsedTime == "0" }

// logDurabilityProblems lists what in a collector config loses log lines
// when Loki is down for long or the collector restarts with a backlog:
// an in-memory queue, retries that give up, a batch processor holding lines
// the receiver has already moved past, a queue that drops when full, and
// (for Docker's log files) a glob that misses rotated files.
func logDurabilityProblems(data []byte) []string {
	var c collectorConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		return []string{err.Error()}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	p, ok := c.Service.Pipelines["logs"]
	if !ok {
		return []string{"no logs pipeline"}
	}
	for _, r := range p.Receivers {
		rc := c.Receivers[r]
		if rc.Storage == "" || !slices.Contains(c.Service.Extensions, rc.Storage) {
			add("receiver %s keeps its offsets in memory", r)
		}
		if !rc.Retry.endless() {
			add("receiver %s drops lines memory_limiter refuses (its offset has moved on)", r)
		}
		for _, g := range rc.Include {
			if strings.Contains(g, "/var/lib/docker/containers/") {
				if ok, _ := path.Match(g, "/var/lib/docker/containers/abc/abc-json.log.1"); !ok {
					add("receiver %s: include %q misses rotated container logs", r, g)
				}
			}
		}
	}
	for _, proc := range p.Processors {
		if proc == "batch" || strings.HasPrefix(proc, "batch/") {
			add("processor %s holds lines in memory after the receiver moved its offsets", proc)
		}
	}
	for _, e := range p.Exporters {
		ec := c.Exporters[e]
		q := ec.SendingQueue
		switch {
		case q == nil || !q.Enabled || q.Storage == "":
			add("exporter %s queues in memory: a restart loses the backlog", e)
		case !slices.Contains(c.Service.Extensions, q.Storage):
			add("exporter %s queues in storage %s, which is not an enabled extension", e, q.Storage)
		case !q.BlockOnOverflow:
			add("exporter %s drops lines when its queue is full", e)
		}
		if !ec.Retry.endless() {
			add("exporter %s stops retrying (max_elapsed_time defaults to 5m): a longer outage drops lines", e)
		}
	}
	return out
}

func TestCollectorKeepsLogsThroughOutages(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		for _, f := range filesUnder(sc, "/otelcol/", ".yml") {
			n++
			for _, p := range logDurabilityProblems(sc.Files[f]) {
				t.Errorf("%s: %s: %s", sc.Name, f, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("no collector config in any golden scenario")
	}
	sc, f := firstWith(t, "/otelcol/", ".yml")
	orig := string(sc.Files[f])
	for _, c := range []struct{ from, to, want string }{
		{"max_interval: 1m\n      max_elapsed_time: 0", "max_interval: 1m\n      max_elapsed_time: 5m", "stops retrying"},
		{"max_interval: 30s\n      max_elapsed_time: 0", "max_interval: 30s\n      max_elapsed_time: 5m", "drops lines memory_limiter refuses"},
		{"      storage: file_storage\n      block_on_overflow", "      block_on_overflow", "queues in memory"},
		{"block_on_overflow: true", "block_on_overflow: false", "drops lines"},
		{"processors: [memory_limiter]\n      exporters: [otlp_http/loki]", "processors: [memory_limiter, batch]\n      exporters: [otlp_http/loki]", "holds lines in memory"},
	} {
		if !strings.Contains(orig, c.from) {
			t.Fatalf("%s lacks %q; update the test", f, c.from)
		}
		got := strings.Join(logDurabilityProblems([]byte(strings.Replace(orig, c.from, c.to, 1))), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("replacing %q by %q: want a problem %q, got:\n%s", c.from, c.to, c.want, got)
		}
	}
}
