package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/testtool"
)

// The stack's env file holds secrets: init adds it to the service's own
// .gitignore (keeping what is there), and a second run adds nothing.
func TestInitIgnoresTheStackEnvFile(t *testing.T) {
	git := testtool.Require(t, "git")
	dir := t.TempDir()
	if out, err := exec.Command(git, "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	own := "node_modules/\n.env"
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(git, "-C", dir, "add", ".gitignore").CombinedOutput(); err != nil {
		t.Fatalf("git add: %v %s", err, out)
	}
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout", "--skip-go-get")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.out, ".gitignore") {
		t.Errorf("the report does not show the .gitignore edit:\n%s", r.out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if !strings.HasPrefix(string(got), own+"\n") {
		t.Errorf(".gitignore lost the service's own lines:\n%s", got)
	}
	if err := exec.Command(git, "-C", dir, "check-ignore", "-q", "observability.env").Run(); err != nil {
		t.Errorf("git does not ignore observability.env after init (%v):\n%s", err, got)
	}
	if out, err := exec.Command(git, "-C", dir, "add", "-A").CombinedOutput(); err != nil {
		t.Fatalf("git add: %v %s", err, out)
	}
	r = run(t, nil, "generate", "--dir", dir, "--skip-go-get")
	if r.code != ExitOK {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	again, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if string(again) != string(got) {
		t.Errorf("a second run changed .gitignore again:\n%s", again)
	}
	if r := run(t, nil, "check", "--dir", dir); r.code != ExitOK {
		t.Errorf("check after init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// A repo whose .gitignore already covers env files is left alone.
func TestInitLeavesAnIgnoringGitignore(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*.env\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout", "--skip-go-get")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(got) != "*.env\n" {
		t.Errorf(".gitignore changed:\n%s", got)
	}
}

// init creates the folder it is pointed at, as before it read code there.
func TestInitIntoAFolderThatDoesNotExist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new-service")
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout", "--skip-go-get")
	if r.code != ExitOK {
		t.Fatalf("init into a new folder: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "cmd", "checkout", "main.go")); err != nil {
		t.Errorf("no example main: %v", err)
	}
}
