package wizard

import (
	"io"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
)

// Survey asks questions on a terminal with github.com/AlecAivazis/survey/v2,
// the one file that imports it.
type Survey struct {
	opts []survey.AskOpt
}

// NewSurvey prompts on the given terminal streams.
func NewSurvey(in *os.File, out *os.File, errOut io.Writer) *Survey {
	return &Survey{opts: []survey.AskOpt{survey.WithStdio(in, out, errOut)}}
}

func (s *Survey) Input(message, help, def string, validate func(string) error) (string, error) {
	var v string
	opts := append([]survey.AskOpt{}, s.opts...)
	if validate != nil {
		opts = append(opts, survey.WithValidator(func(ans any) error { return validate(ans.(string)) }))
	}
	err := survey.AskOne(&survey.Input{Message: message, Help: help, Default: def}, &v, opts...)
	return v, cancelled(err)
}

func (s *Survey) Select(message, help string, options []string, def string) (string, error) {
	var v string
	err := survey.AskOne(&survey.Select{Message: message, Help: help, Options: options, Default: def}, &v, s.opts...)
	return v, cancelled(err)
}

func (s *Survey) Confirm(message, help string, def bool) (bool, error) {
	var v bool
	err := survey.AskOne(&survey.Confirm{Message: message, Help: help, Default: def}, &v, s.opts...)
	return v, cancelled(err)
}

// cancelled turns Ctrl-C into the wizard's cancellation.
func cancelled(err error) error {
	if err == terminal.InterruptErr {
		return ErrCancelled
	}
	return err
}
