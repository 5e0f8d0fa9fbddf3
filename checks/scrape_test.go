package checks

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/internal/spec"
)

// scrapeJobs is the part of prometheus.yml that says how targets are
// found (promtool check config validates the whole file).
type scrapeJobs struct {
	ScrapeConfigs []struct {
		JobName       string           `yaml:"job_name"`
		StaticConfigs []map[string]any `yaml:"static_configs"`
		DNSSDConfigs  []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

// replicaProblem says why a scrape config would miss replicas of the
// service started with `docker compose up --scale`: compose's DNS answers
// the service name with one A record per container, so only a DNS A lookup
// of that name on the metrics port finds them all.
func replicaProblem(s spec.Spec, cfg scrapeJobs) string {
	for _, job := range cfg.ScrapeConfigs {
		if job.JobName != s.Service.Name {
			continue
		}
		if len(job.StaticConfigs) > 0 {
			return "the service's job has static targets: one name, one replica"
		}
		for _, d := range job.DNSSDConfigs {
			if d.Type == "A" && len(d.Names) == 1 && d.Names[0] == s.Service.Name && d.Port == s.Metrics.Port {
				return ""
			}
		}
		return "the service's job does not look up every replica by DNS"
	}
	return "no scrape job " + s.Service.Name
}

func TestServiceJobFindsEveryReplica(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			var cfg scrapeJobs
			if err := yaml.Unmarshal(sc.read(t, prometheus.ConfigPath(sc.Spec)), &cfg); err != nil {
				t.Fatal(err)
			}
			if p := replicaProblem(sc.Spec, cfg); p != "" {
				t.Fatal(p)
			}
			// The check can fail: a static target is one replica.
			var static scrapeJobs
			broken := `scrape_configs: [{job_name: "` + sc.Spec.Service.Name + `", static_configs: [{targets: ["` + sc.Spec.Service.Name + `:9464"]}]}]`
			if err := yaml.Unmarshal([]byte(broken), &static); err != nil {
				t.Fatal(err)
			}
			if replicaProblem(sc.Spec, static) == "" {
				t.Fatal("a static target was accepted")
			}
		})
	}
}
