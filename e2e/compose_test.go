package e2e

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/obsgen/obsgen/generators/compose"
)

// envExampleKeys returns the variables .env.example lists, failing on any
// that carries a value: the example must hold no secret.
func envExampleKeys(t *testing.T, data []byte) []string {
	t.Helper()
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || v != "" {
			t.Errorf(".env.example line %q: want KEY= with no value", line)
		}
		keys = append(keys, k)
	}
	return keys
}

// loadStack loads the compose file in dir with the official loader, with
// every .env.example variable set, exactly as `docker compose` would.
func loadStack(t *testing.T, dir string, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, compose.FileName)},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(env),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

var varRef = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`)

// TestComposeLoads loads every golden compose file with compose-go (the
// loader inside `docker compose`) and checks what the loader does not: a
// healthcheck on every container, pinned images, ports on loopback only,
// bind mounts that exist in the generated tree, and every variable and
// secret listed in .env.example with no value.
func TestComposeLoads(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		data, ok := sc.Files[compose.FileName]
		if !ok {
			continue
		}
		n++
		t.Run(sc.Name, func(t *testing.T) {
			dir := tree(t, sc)
			keys := envExampleKeys(t, sc.Files[compose.EnvExample])
			var env []string
			for _, k := range keys {
				env = append(env, k+"=value-of-"+k)
			}
			for _, m := range varRef.FindAllStringSubmatch(string(data), -1) {
				if !contains(keys, m[1]) {
					t.Errorf("compose file reads ${%s}, which .env.example does not list", m[1])
				}
			}
			p, err := loadStack(t, dir, env)
			if err != nil {
				t.Fatalf("compose-go: %v", err)
			}
			checkProject(t, sc.Name, dir, p, keys)
		})
	}
	if n == 0 {
		t.Fatal("no compose file in any golden scenario")
	}

	// A service that depends on one that does not exist is rejected.
	sc := scenarios(t)[0]
	dir := tree(t, sc)
	bad := strings.Replace(string(sc.Files[compose.FileName]), "    depends_on:\n", "    depends_on:\n      nonexistent:\n        condition: service_healthy\n", 1)
	writeFile(t, filepath.Join(dir, compose.FileName), []byte(bad))
	if _, err := loadStack(t, dir, []string{"GRAFANA_ADMIN_PASSWORD=x"}); err == nil {
		t.Error("compose-go accepted a dependency on an undefined service")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var pinned = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+$`)

func checkProject(t *testing.T, name, dir string, p *types.Project, envKeys []string) {
	t.Helper()
	names := p.ServiceNames()
	sort.Strings(names)
	for _, sn := range names {
		s := p.Services[sn]
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("%s: service %s has no healthcheck", name, sn)
		}
		switch {
		case s.Image != "" && s.Build == nil:
			if !pinned.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
				t.Errorf("%s: service %s image %q is not pinned to a version", name, sn, s.Image)
			}
		case s.Build != nil && s.Build.DockerfileInline != "":
			for _, l := range strings.Split(s.Build.DockerfileInline, "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "FROM" && !pinned.MatchString(f[1]) {
					t.Errorf("%s: service %s builds FROM unpinned %q", name, sn, f[1])
				}
			}
		case s.Build != nil:
			// The service itself, from the repo's Dockerfile.
			if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: service %s: %v", name, sn, err)
			}
		default:
			t.Errorf("%s: service %s has neither image nor build", name, sn)
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: service %s publishes port %d on %q: bind it to 127.0.0.1", name, sn, port.Target, port.HostIP)
			}
		}
		for _, v := range s.Volumes {
			switch v.Type {
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: service %s mounts undeclared volume %s", name, sn, v.Source)
				}
			case types.VolumeTypeBind:
				rel, err := filepath.Rel(dir, v.Source)
				if err != nil || strings.HasPrefix(rel, "..") {
					continue // a host path (container logs, a log folder)
				}
				if !v.ReadOnly {
					t.Errorf("%s: service %s mounts %s writable: generated config is read-only", name, sn, rel)
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s: service %s mounts %s, which obsgen does not generate", name, sn, rel)
				}
			}
		}
		for _, ref := range s.Secrets {
			sec, ok := p.Secrets[ref.Source]
			if !ok {
				t.Errorf("%s: service %s uses undeclared secret %s", name, sn, ref.Source)
				continue
			}
			if sec.Environment == "" || !contains(envKeys, sec.Environment) {
				t.Errorf("%s: secret %s must come from a variable listed in .env.example, not %+v", name, ref.Source, sec)
			}
		}
	}
	if _, ok := p.Services["grafana"]; ok {
		g := p.Services["grafana"].Environment
		if v := g["GF_AUTH_ANONYMOUS_ENABLED"]; v == nil || *v != "false" {
			t.Errorf("%s: grafana must have anonymous access off", name)
		}
		if _, ok := g["GF_SECURITY_ADMIN_PASSWORD"]; ok {
			t.Errorf("%s: grafana's admin password must come from a secret file, not the environment", name)
		}
	}
}
