// Package wizardtest provides a scripted Prompter for tests: answers are
// keyed by prompt text, so a test reads like the conversation it scripts.
package wizardtest

import (
	"fmt"
	"strconv"
	"sync"
)

// Scripted answers prompts from a map of prompt text to answer. A prompt
// with no scripted answer takes its default; Strict makes that an error
// instead. Every prompt asked is recorded in Asked.
type Scripted struct {
	Answers map[string]string
	Strict  bool

	mu    sync.Mutex
	Asked []string
	// Defaults records the default offered for each prompt.
	Defaults map[string]string
}

func (s *Scripted) answer(message, def string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Asked = append(s.Asked, message)
	if s.Defaults == nil {
		s.Defaults = map[string]string{}
	}
	s.Defaults[message] = def
	if v, ok := s.Answers[message]; ok {
		return v, nil
	}
	if s.Strict {
		return "", fmt.Errorf("unscripted prompt %q", message)
	}
	return def, nil
}

// Input answers a text question; the answer must pass validate, as a user's
// would have to.
func (s *Scripted) Input(message, _ string, def string, validate func(string) error) (string, error) {
	v, err := s.answer(message, def)
	if err != nil {
		return "", err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			return "", fmt.Errorf("prompt %q rejected %q: %w", message, v, err)
		}
	}
	return v, nil
}

// Select answers a choice; the answer must be one of the options.
func (s *Scripted) Select(message, _ string, options []string, def string) (string, error) {
	v, err := s.answer(message, def)
	if err != nil {
		return "", err
	}
	for _, o := range options {
		if o == v {
			return v, nil
		}
	}
	return "", fmt.Errorf("prompt %q: %q is not an option of %v", message, v, options)
}

// Confirm answers a yes/no question ("true"/"false" in Answers).
func (s *Scripted) Confirm(message, _ string, def bool) (bool, error) {
	v, err := s.answer(message, strconv.FormatBool(def))
	if err != nil {
		return false, err
	}
	return strconv.ParseBool(v)
}
