// Package cli is obsgen's command line: cobra commands that bind flags, pick
// the mode (interactive or not, write or dry-run) and hand over to the
// shared pipeline. Commands are thin; the work is in spec, wizard,
// generators and writer.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/obsgen/obsgen/wizard"
)

// Version is obsgen's version, recorded in the answers file and manifest.
// Release builds set it with -ldflags "-X github.com/obsgen/obsgen/internal/cli.Version=...".
var Version = "0.1.0"

// Exit codes are part of obsgen's interface; README.md documents them.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2 // bad flags or answers, missing answers, or the wizard was cancelled
	ExitDrift    = 3 // check: generated files are missing or differ
	ExitConflict = 4 // generate: some files need a person (conflicts, orphaned edited files)
	ExitDirty    = 5 // generate/init: files it would change have uncommitted changes (see --allow-dirty)
)

// IO is where a command reads and writes; tests inject buffers.
type IO struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// CanPrompt reports whether both ends are a terminal.
	CanPrompt func() bool
	// Prompter asks the wizard's questions when CanPrompt.
	Prompter func() wizard.Prompter
}

// StdIO is the process's standard streams.
func StdIO() IO {
	return IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		CanPrompt: func() bool {
			return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
		},
		Prompter: func() wizard.Prompter { return wizard.NewSurvey(os.Stdin, os.Stdout, os.Stderr) },
	}
}

// exitError carries an exit code up to Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs obsgen with args and returns the exit code.
func Main(args []string, streams IO) int {
	root := NewRoot(streams)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.err == errSilent {
		return ee.code
	}
	fmt.Fprintln(streams.ErrOut, "obsgen: "+err.Error())
	if errors.As(err, &ee) {
		return ee.code
	}
	if isFlagError(err) {
		return ExitUsage
	}
	return ExitFailure
}

// errSilent marks an exit whose message was already printed.
var errSilent = errors.New("")

// flagError marks cobra's own flag parsing errors as usage errors.
type flagError struct{ error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	Dir        string
	Config     string
	DryRun     bool
	Force      bool
	AllowDirty bool
	Output     string
	// SkipGoGet leaves the service's go.mod alone (internal/steps).
	SkipGoGet bool
	// SkipInstall leaves the service's package.json alone (npm steps).
	SkipInstall bool
	// Wire is init's --wire: apply the planned edit of the service's own
	// mains without asking.
	Wire bool
}

// NewRoot builds the command tree.
func NewRoot(streams IO) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "obsgen",
		Short: "Generate production-grade observability code and config for a service",
		Long: `obsgen asks about a service's stack and writes what it needs to be observable
in production: a structured logger, Sentry, OpenTelemetry traces and metrics,
Prometheus scrape configs and alert rules with their unit tests, Alertmanager
routing, Grafana dashboards, Loki pipelines and a local stack to run them.`,
		Example: `  obsgen init                                  # the wizard, in a terminal
  obsgen init --no-prompt --service-name checkout --framework chi
  obsgen generate --set slo-availability=99.5  # the stack changed: regenerate
  obsgen check                                 # in CI: fail when generated files drift`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.Dir, "dir", ".", "the service repository to generate into")
	pf.StringVar(&g.Config, "config", "", "the answers file (default: obsgen.yaml in --dir)")
	pf.BoolVar(&g.DryRun, "dry-run", false, "show what would be written, write nothing")
	pf.BoolVar(&g.Force, "force", false, "overwrite files edited by hand, recreate deleted ones, remove edited ones no longer generated")
	pf.BoolVar(&g.AllowDirty, "allow-dirty", false, "write even when files obsgen would change have changes git does not hold")
	pf.StringVarP(&g.Output, "output", "o", "text", "report format: text or json")
	pf.BoolVar(&g.SkipGoGet, "skip-go-get", false, "do not run go mod init/go get/go mod tidy for the generated Go code; print the commands instead")
	pf.BoolVar(&g.SkipInstall, "skip-install", false, "do not install the generated Node code's packages or edit package.json scripts; print the commands instead")
	root.AddCommand(
		newInitCmd(g, streams),
		newGenerateCmd(g, streams),
		newDiffCmd(g, streams),
		newCheckCmd(g, streams),
		newWireCmd(g, streams),
		newDoctorCmd(g, streams),
		newVersionCmd(streams),
	)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = "  source <(obsgen completion bash)\n  obsgen completion zsh > \"${fpath[1]}/_obsgen\""
		}
	}
	return root
}

func newVersionCmd(streams IO) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print obsgen's version",
		Example: "  obsgen version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(streams.Out, "obsgen "+Version)
			return err
		},
	}
}
