package wizard

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/obsgen/obsgen/internal/spec"
)

// ErrCancelled is returned when the user declines the summary.
var ErrCancelled = errors.New("cancelled: nothing was written")

// Prompt texts that are not field questions, exported for scripted tests.
const (
	AskAdvanced = "Customize advanced settings (ports, tracing, SLO details, folders)?"
	AskConfirm  = "Generate with these answers?"
	AskWire     = "Wire obsgen into your main as shown?"
	AskMain     = "Which main package does the service image build?"
)

// Run asks every question for which start has no settled answer, starting
// from start's values as defaults (which include detected ones), then shows
// a summary on w and asks for confirmation.
func Run(p Prompter, start spec.Spec, w io.Writer) (spec.Spec, error) {
	return RunWith(p, start, w, nil)
}

// RunWith is Run with more questions asked after the answers and before
// the summary (which of the service's mains to build, whether to wire
// them): the summary is the last word before anything is written.
func RunWith(p Prompter, start spec.Spec, w io.Writer, more func(*spec.Spec) error) (spec.Spec, error) {
	s := start
	if err := ask(p, &s, false); err != nil {
		return spec.Spec{}, err
	}
	adv, err := p.Confirm(AskAdvanced, "The defaults suit most services; you can change any answer later with `obsgen generate --set`.", false)
	if err != nil {
		return spec.Spec{}, err
	}
	if adv {
		if err := ask(p, &s, true); err != nil {
			return spec.Spec{}, err
		}
	}
	if more != nil {
		if err := more(&s); err != nil {
			return spec.Spec{}, err
		}
	}
	if err := Summary(w, s); err != nil {
		return spec.Spec{}, err
	}
	ok, err := p.Confirm(AskConfirm, "No cancels without writing anything.", true)
	if err != nil {
		return spec.Spec{}, err
	}
	if !ok {
		return spec.Spec{}, ErrCancelled
	}
	return s, nil
}

// ask asks the basic or the advanced fields that apply to s.
func ask(p Prompter, s *spec.Spec, advanced bool) error {
	for _, f := range spec.Fields() {
		if f.Advanced != advanced || (f.When != nil && !f.When(*s)) {
			continue
		}
		// Offer answers derived from earlier ones (example.com/<name> as
		// the module of a new service) as defaults.
		s.Complete(spec.Detected{})
		var err error
		switch {
		case f.IsBool():
			var def, v bool
			def, _ = strconv.ParseBool(f.Get(*s))
			v, err = p.Confirm(f.Prompt, f.Help, def)
			if err == nil {
				err = f.Set(s, strconv.FormatBool(v))
			}
		case len(f.Options) > 1:
			var v string
			v, err = p.Select(f.Prompt, f.Help, f.Options, f.Get(*s))
			if err == nil {
				err = f.Set(s, v)
			}
		case len(f.Options) == 1:
			// Nothing to choose yet (room for more languages and targets).
			continue
		default:
			var v string
			v, err = p.Input(f.Prompt, f.Help, f.Get(*s), validator(f, *s))
			if err == nil {
				err = f.Set(s, v)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// validator checks an answer in the context of the answers so far, with the
// same rules as the answers file and the flags.
func validator(f spec.Field, s spec.Spec) func(string) error {
	return func(v string) error {
		c := s
		if err := f.Set(&c, v); err != nil {
			return err
		}
		return f.Check(c)
	}
}

// Summary prints every answer, one per line.
func Summary(w io.Writer, s spec.Spec) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nobsgen will generate with these answers:")
	for _, f := range spec.Fields() {
		if f.When != nil && !f.When(s) {
			continue
		}
		v := f.Get(s)
		if v == "" {
			v = "(none)"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", f.Path, v)
	}
	return tw.Flush()
}
