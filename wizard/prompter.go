// Package wizard asks the questions obsgen cannot answer by itself and
// returns the completed Spec. It is a pure phase: it asks everything, shows a
// summary and asks for confirmation, and writes nothing; the caller then runs
// the same code path as a non-interactive run.
package wizard

// Prompter asks one question at a time. The survey adapter implements it for
// terminals; tests use a scripted fake.
type Prompter interface {
	// Input asks for free text; validate rejects an answer with a message.
	Input(message, help, def string, validate func(string) error) (string, error)
	// Select asks for one of options.
	Select(message, help string, options []string, def string) (string, error)
	// Confirm asks a yes/no question.
	Confirm(message, help string, def bool) (bool, error)
}
