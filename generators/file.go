// Package generators holds what every generator shares: the File a generator
// returns, the ownership classes, the template renderer and the finishing
// pass (headers, gofmt, whitespace). Generators are pure: Spec in, files out;
// only the writer touches disk.
package generators

import (
	"io/fs"

	"github.com/obsgen/obsgen/internal/spec"
)

// Owner says how regeneration treats a file once it exists.
type Owner string

const (
	// Owned files are config obsgen fully owns (rules, dashboards, scrape
	// configs): regenerated from the answers file.
	Owned Owner = "owned"
	// Merged files are code users are expected to edit: regeneration merges
	// their edits with obsgen's new output.
	Merged Owner = "merged"
	// CreateOnce files are written when missing and never touched again.
	CreateOnce Owner = "create-once"
	// Edit is a change planned on a file the user owns (wiring obsgen into
	// the service's main): written only when asked for, never recorded as
	// obsgen's, refused when the file changed since the edit was planned.
	Edit Owner = "edit"
)

// File is one generated file.
type File struct {
	// Path is slash-separated and relative to the service repo.
	Path    string
	Content []byte
	Mode    fs.FileMode
	Owner   Owner
	// From is, for an Edit, the content the edit was computed from (nil:
	// the file does not exist yet).
	From []byte
	// Why is, for an Edit, what the report says the edit does.
	Why string
	// Kept is, for a CreateOnce file, what the report says when a file
	// obsgen did not write is already there and is kept: what the rest of
	// the output expects of it.
	Kept string
}

// Generator produces the files of one output kind. A generator that does
// not apply to the spec returns no files.
type Generator struct {
	Name string
	Doc  string
	// Generate writes one service's files: paths under the config folder
	// are the repository's, the others are in the service's folder.
	Generate func(spec.Spec) ([]File, error)
	// Stack writes the files the project's services share: one
	// Prometheus, one compose file, one Alertmanager... Paths are the
	// repository's.
	Stack func(spec.Project) ([]File, error)
	// Steps, when set, lists what must run after the files are written
	// (dependencies to add, a build to verify).
	Steps Stepper
	// Notes, when set, is advice to print after the steps ran (how to
	// start the service with the generated code loaded first).
	Notes func(spec.Spec) []string
}

// AnswersFile is the default name of the answers file, named in headers.
const AnswersFile = "obsgen.yaml"

// Shared makes a generator of one spec the Stack of a generator whose
// files depend only on the answers the services share.
func Shared(gen func(spec.Spec) ([]File, error)) func(spec.Project) ([]File, error) {
	return func(p spec.Project) ([]File, error) { return gen(p.Stack()) }
}
