package generators

import "github.com/obsgen/obsgen/internal/spec"

// StepKind names what a Step does once the files are written.
type StepKind string

const (
	// GoModules makes the Go module in Dir require Deps at least at their
	// versions (go mod init with Init when there is no go.mod, go get, go
	// mod tidy). Never a downgrade.
	GoModules StepKind = "go-modules"
	// GoBuild runs `go build ./...` in Dir and reports what fails.
	GoBuild StepKind = "go-build"
	// NPMInstall adds Deps at exact versions to the package in Dir with the
	// package manager named in Tool.
	NPMInstall StepKind = "npm-install"
)

// Dep is a package at the version obsgen's tests ran it with.
type Dep struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// AnyVersion: when the service already requires Name, at any version,
	// it is not asked for: the service's framework is its own choice, and
	// the generated code works with older versions of it. (A dependency
	// of another Dep may still raise it; the plan lists that.)
	AnyVersion bool `json:"any_version,omitempty"`
}

// Step is work that must happen after the files are on disk, kept as plain
// data so the plan can show it (text, -o json, --dry-run) and one runner
// after the writer carries it out. The CLI never calls into a generator.
type Step struct {
	Kind StepKind `json:"kind"`
	// Dir is relative to the service repo, "." for its root.
	Dir string `json:"dir"`
	// Deps are the packages the generated code imports.
	Deps []Dep `json:"deps,omitempty"`
	// Init names what to create when the manifest is missing: the module
	// path for go mod init.
	Init string `json:"init,omitempty"`
	// Tool is the package manager for NPMInstall (npm, pnpm, yarn).
	Tool string `json:"tool,omitempty"`
	// Preload is, for NPMInstall, the node option that loads the
	// generated code before the application ("--require ./x.cjs" or
	// "--import ./x.mjs"); the step adds it to the start script of
	// package.json that runs Main.
	Preload string `json:"preload,omitempty"`
	Main    string `json:"main,omitempty"`
}

// Stepper returns the steps a generator's files need for s, or none.
type Stepper func(spec.Spec) []Step
