package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/internal/spec"
)

// gitignoreEdit plans the line that keeps the stack's env file, which holds
// secrets, out of git: an edit of the user's .gitignore, planned and shown
// like every other change. Nil when git already ignores the file.
func gitignoreEdit(dir string, s spec.Spec) (*generators.File, error) {
	if s.Deploy.Target != "compose" {
		return nil, nil
	}
	ignored, err := gitIgnores(dir, compose.EnvFile)
	if err != nil || ignored {
		return nil, err
	}
	old, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(old) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString("# Secrets of the local observability stack (obsgen: see .env.example).\n/" + compose.EnvFile + "\n")
	return &generators.File{Path: ".gitignore", Content: b.Bytes(), Mode: 0o644, Owner: generators.Edit, From: old,
		Why: "ignores " + compose.EnvFile + ", which holds the stack's secrets"}, nil
}

// gitIgnores asks git itself whether name is ignored in dir, so every
// pattern form and nested ignore file counts. Outside a work tree (or
// without git) it reads the top-level .gitignore for the name itself.
func gitIgnores(dir, name string) (bool, error) {
	if git, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command(git, "-C", dir, "check-ignore", "-q", "--no-index", name)
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			return false, nil
		}
		// 128: not a work tree; fall through to reading the file.
	}
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch strings.TrimSpace(line) {
		case name, "/" + name, "*.env":
			return true, nil
		}
	}
	return false, nil
}
