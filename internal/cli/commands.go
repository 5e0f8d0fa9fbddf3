package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/detect"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/wizard"
)

func newInitCmd(g *globalOptions, streams IO) *cobra.Command {
	var noPrompt bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Answer questions about the service, write obsgen.yaml and generate",
		Long: `init asks about the service's stack (in a terminal), writes the answers file
and generates everything. Without a terminal, or with --no-prompt, answers
come from flags and defaults; --service-name is required.`,
		Example: `  obsgen init
  obsgen init --no-prompt --service-name checkout --framework gin --alert-receiver slack`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().BoolVar(&noPrompt, "no-prompt", false, "never ask: take answers from flags and defaults")
	cmd.Flags().BoolVar(&g.Wire, "wire", false, "edit the service's own main to call obsgen's package (without it, a run without questions prints the patch)")
	applyFlags := addFieldFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := g.check(); err != nil {
			return err
		}
		p, existing, err := g.loadAnswers()
		if err != nil {
			return err
		}
		if existing && p.Listed {
			return usageErrorf("the answers file lists several services (services:): init asks about one service; change them in the answers file or with `obsgen generate --set services.<name>.<key>=value`")
		}
		s := spec.New()
		if existing {
			s = p.Services[0].Spec
		}
		r, err := g.newRun()
		if err != nil {
			return err
		}
		if err := applyFlags(&s); err != nil {
			return err
		}
		if !existing && r.facts.Exists && !r.facts.Manifest.Language.IsNode() && r.facts.Manifest.Module == "" {
			// No service at the root: a repository of several?
			found, err := detect.Services(g.Dir)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if len(found) > 0 {
				return r.initProject(streams, s, found, cmd.Flags().Changed)
			}
		}
		if !existing {
			detect.Apply(&s, r.facts.Manifest, cmd.Flags().Changed, streams.ErrOut)
			if err := bundled(r.facts.Manifest, cmd.Flags().Changed, s.Output.CodeDir); err != nil {
				return err
			}
		}
		if !noPrompt && streams.CanPrompt != nil && streams.CanPrompt() {
			p := streams.Prompter()
			s, err = wizard.RunWith(p, s, streams.ErrOut, func(s *spec.Spec) error {
				return r.askAboutMains(p, s, streams.ErrOut)
			})
			if errors.Is(err, wizard.ErrCancelled) {
				return &exitError{code: ExitUsage, err: err}
			}
			if err != nil {
				return err
			}
			defer fmt.Fprintf(streams.ErrOut, "\nTo do the same without questions:\n  %s\n", equivalentCommand(s, g.Dir))
		} else if missing := s.MissingRequired(); len(missing) > 0 {
			return usageErrorf("missing answers: pass %s (or run `obsgen init` in a terminal to be asked)", strings.Join(missing, ", "))
		} else if err := r.complete(&s); err != nil {
			return err
		}
		s.ObsgenVersion = Version
		return r.execute(streams, spec.Single(s), true, modeWrite)
	}
	return cmd
}

func newGenerateCmd(g *globalOptions, streams IO) *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Regenerate every file from obsgen.yaml",
		Long: `generate re-renders every file from the answers file. --set changes one
answer (by flag name or answers-file key), validates it, saves it back to
the answers file and regenerates: use it when the stack changes.`,
		Example: `  obsgen generate
  obsgen generate --set framework=chi --set sentry=true
  obsgen generate --dry-run -o json`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "change one answer, key=value (repeatable)")
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := g.check(); err != nil {
			return err
		}
		p, r, err := g.fromAnswers(sets)
		if err != nil {
			return err
		}
		writeAnswers := len(sets) > 0 || p.Stack().ObsgenVersion != Version
		p.SetObsgenVersion(Version)
		return r.execute(streams, p, writeAnswers, modeWrite)
	}
	return cmd
}

func newDiffCmd(g *globalOptions, streams IO) *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show, as a unified diff, what generate would change; write nothing",
		Example: `  obsgen diff
  obsgen diff --set framework=chi`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "preview a changed answer, key=value (repeatable)")
	cmd.RunE = func(*cobra.Command, []string) error {
		p, r, err := g.fromAnswers(sets)
		if err != nil {
			return err
		}
		return r.execute(streams, p, len(sets) > 0, modeDiff)
	}
	return cmd
}

func newCheckCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Exit 3 when generated files are missing or differ from obsgen.yaml (for CI)",
		Long: `check regenerates in memory and compares with the repo. It exits 0 when
everything matches, and 3 (drift) when a generated file is missing, edited
or out of date. It writes nothing.`,
		Example: `  obsgen check || { obsgen diff; exit 1; }`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := g.check(); err != nil {
				return err
			}
			p, r, err := g.fromAnswers(nil)
			if err != nil {
				return err
			}
			return r.execute(streams, p, false, modeCheck)
		},
	}
}

func newWireCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "wire",
		Short: "Edit the service's own main to call obsgen's package (Setup, middleware, graceful Serve)",
		Long: `wire regenerates like generate and edits the service's own main packages:
Setup with its error checked, obsgen's middleware first on the router, the
serve call replaced by a graceful Serve, conflicting middleware removed with
a comment saying why. The edit goes through the same plan as every file
(--dry-run and -o json show it, uncommitted changes to main refuse it). A
main obsgen cannot understand gets the exact lines to add and a warning.`,
		Example: `  obsgen wire --dry-run
  obsgen wire`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := g.check(); err != nil {
				return err
			}
			p, r, err := g.fromAnswers(nil)
			if err != nil {
				return err
			}
			r.wire = true
			writeAnswers := p.Stack().ObsgenVersion != Version
			p.SetObsgenVersion(Version)
			return r.execute(streams, p, writeAnswers, modeWrite)
		},
	}
}

// askAboutMains asks, before the wizard's summary, what only the
// service's own code raises: which of several mains the image builds,
// and whether to wire obsgen into them (shown with the patch). It fills
// every derived answer first, as the questions depend on them.
func (r *cmdRun) askAboutMains(p wizard.Prompter, s *spec.Spec, out io.Writer) error {
	if err := r.complete(s); err != nil {
		return err
	}
	plan := registry.Wiring(*s, r.facts)
	if dirs := plan.MainDirs(); len(dirs) > 1 {
		dir, err := p.Select(wizard.AskMain, "The generated Dockerfile builds this package; change its go build line later if needed.", dirs, s.Found.MainDir)
		if err != nil {
			return err
		}
		s.Found.MainDir = dir
	}
	if r.wire || len(plan.Edits()) == 0 {
		return nil
	}
	plan.Summary(out)
	for _, m := range plan.Mains {
		if m.Action == "planned" {
			fmt.Fprintf(out, "\n%s", m.Patch)
		}
	}
	var err error
	r.wire, err = p.Confirm(wizard.AskWire, "No leaves your main as it is and prints the patch; `obsgen wire` applies it later.", true)
	return err
}
