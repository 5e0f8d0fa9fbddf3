package e2e

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/stack"
)

// TestComposeStampsVersionAndURLs loads every golden compose file with
// compose-go as `SERVICE_VERSION=$(git describe) docker compose ...` would
// and checks that the version reaches the build (the Dockerfile's VERSION
// arg, stamped into the generated package's version variable) and the
// running service (SERVICE_VERSION, which Node reads), and that Prometheus
// and Alertmanager know the URL responders reach them at.
func TestComposeStampsVersionAndURLs(t *testing.T) {
	const version = "v1.4.2-3-gdeadbee"
	n := 0
	for _, sc := range scenarios(t) {
		if _, ok := sc.Files[compose.FileName]; !ok {
			continue
		}
		n++
		t.Run(sc.Name, func(t *testing.T) {
			stackSpec, err := sc.Spec()
			if err != nil {
				t.Fatal(err)
			}
			dir := tree(t, sc)
			env := []string{stack.VersionEnv + "=" + version}
			for _, k := range envExampleKeys(t, sc.Files[compose.EnvExample]) {
				if k != stack.VersionEnv {
					env = append(env, k+"=value-of-"+k)
				}
			}
			p, err := loadStack(t, dir, env)
			if err != nil {
				t.Fatalf("compose-go: %v", err)
			}
			for _, m := range members(t, sc) {
				s := m.Spec
				app := p.Services[s.Service.Name]
				if app.Build == nil || app.Build.Args["VERSION"] == nil || *app.Build.Args["VERSION"] != version {
					t.Errorf("%s's build gets no VERSION=%s build arg: %+v", s.Service.Name, version, app.Build)
				}
				if v := app.Environment[stack.VersionEnv]; v == nil || *v != version {
					t.Errorf("%s runs without %s=%s", s.Service.Name, stack.VersionEnv, version)
				}
				if s.IsGo() {
					// The Dockerfile reads the arg and stamps it where the
					// generated package keeps its version.
					docker := string(sc.Files[path.Join(m.Dir, compose.Dockerfile)])
					sym := s.Service.Module + "/" + s.Output.CodeDir + ".version=${VERSION}"
					if !strings.Contains(docker, "\nARG VERSION") || !strings.Contains(docker, "-X '"+sym+"'") {
						t.Errorf("the Dockerfile does not stamp the VERSION arg into %s:\n%s", sym, docker)
					}
					cfg := string(sc.Files[path.Join(m.Dir, s.Output.CodeDir, "config.go")])
					if !regexp.MustCompile(`(?m)^\s*version\s+(string|=)`).MatchString(cfg) && !strings.Contains(cfg, "var version ") {
						t.Errorf("%s/config.go declares no version variable for the stamp", s.Output.CodeDir)
					}
				}
			}
			s := stackSpec
			for svc, want := range map[string]string{stack.Prometheus: s.Alerts.PrometheusURL, stack.Alertmanager: s.Alerts.AlertmanagerURL} {
				if want == "" || !slices.Contains(p.Services[svc].Command, "--web.external-url="+want) {
					t.Errorf("%s runs without --web.external-url=%s: %v", svc, want, p.Services[svc].Command)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no compose file in any golden scenario")
	}
}

// composeCmd finds docker compose command lines in runbooks and alert
// annotations: inline code from `docker compose` to the closing backtick.
var composeCmd = regexp.MustCompile("`(docker compose[^`]*)`")

// TestRunbookComposeCommandsRun checks every docker compose command the
// generated runbooks and alert annotations give: it must name the
// generated compose file and the stack's env file (so it runs as written
// from the repo root, and a restarted container keeps its secrets), and
// every service it names must be a service of that compose file.
func TestRunbookComposeCommandsRun(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		if _, ok := sc.Files[compose.FileName]; !ok {
			continue
		}
		dir := tree(t, sc)
		var env []string
		for _, k := range envExampleKeys(t, sc.Files[compose.EnvExample]) {
			env = append(env, k+"=value-of-"+k)
		}
		p, err := loadStack(t, dir, env)
		if err != nil {
			t.Fatalf("%s: compose-go: %v", sc.Name, err)
		}
		names := p.ServiceNames()
		for f, data := range sc.Files {
			if !strings.HasSuffix(f, ".md") && !strings.Contains(f, "/rules/") {
				continue
			}
			for _, m := range composeCmd.FindAllStringSubmatch(string(data), -1) {
				n++
				for _, problem := range composeCommandProblems(m[1], names) {
					t.Errorf("%s: %s: `%s`: %s", sc.Name, f, m[1], problem)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no docker compose command in any runbook")
	}
	// The check fails on the commands as they were written before.
	if got := composeCommandProblems("docker compose ps checkout", []string{"checkout"}); len(got) == 0 {
		t.Error("a command without -f passed the check")
	}
	if got := composeCommandProblems(stack.Compose+" logs --tail=50 otel-colector", []string{stack.Collector}); len(got) == 0 {
		t.Error("a command naming no service of the compose file passed the check")
	}
}

// composeCommandProblems parses a docker compose command line as the CLI
// does (global flags, subcommand, its flags, then services) and lists what
// would make it fail as written.
func composeCommandProblems(cmd string, services []string) []string {
	var out []string
	f := strings.Fields(cmd)
	if len(f) < 3 || f[0] != "docker" || f[1] != "compose" {
		return []string{"not a docker compose command"}
	}
	var file, envFile string
	i := 2
	for ; i < len(f) && strings.HasPrefix(f[i], "-"); i++ {
		switch f[i] {
		case "-f", "--file":
			i++
			if i < len(f) {
				file = f[i]
			}
		case "--env-file":
			i++
			if i < len(f) {
				envFile = f[i]
			}
		default:
			out = append(out, "unknown global flag "+f[i])
		}
	}
	if file != compose.FileName {
		out = append(out, "does not name the compose file (-f "+compose.FileName+"): a bare `docker compose` looks for docker-compose.yml")
	}
	if envFile != compose.EnvFile {
		out = append(out, "does not pass --env-file "+compose.EnvFile+": the stack's variables and secrets would be empty")
	}
	if i >= len(f) {
		return append(out, "no subcommand")
	}
	sub, args := f[i], f[i+1:]
	var named []string
	for j := 0; j < len(args); j++ {
		a := args[j]
		if strings.HasPrefix(a, "-") {
			continue
		}
		named = append(named, a)
		if sub == "exec" {
			break // the rest is the command run in the container
		}
	}
	switch sub {
	case "ps", "logs", "restart", "up", "exec", "stop", "start":
	default:
		out = append(out, "unexpected subcommand "+sub)
	}
	if sub == "exec" && len(named) == 0 {
		out = append(out, "exec names no service")
	}
	for _, svc := range named {
		if strings.HasPrefix(svc, "<") && strings.HasSuffix(svc, ">") {
			continue // a placeholder the runbook explains
		}
		if !slices.Contains(services, svc) {
			out = append(out, "names "+svc+", not a service of "+compose.FileName)
		}
	}
	return out
}
