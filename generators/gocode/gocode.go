// Package gocode generates the Go package a service imports to be
// observable: configuration from the environment and the structured logger.
package gocode

import (
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the observability package into the code folder.
var Generator = generators.Generator{
	Name:     "go",
	Doc:      "Go observability package: config and structured logger",
	Generate: generate,
}

// sources maps each template to the file it becomes in the code folder.
var sources = []struct{ tmpl, file string }{
	{"go/config.go.tmpl", "config.go"},
	{"go/logger.go.tmpl", "logger.go"},
}

func generate(s spec.Spec) ([]generators.File, error) {
	if s.Service.Language != "go" {
		return nil, nil
	}
	var files []generators.File
	for _, src := range sources {
		f, err := generators.RenderFile(src.tmpl, path.Join(s.Output.CodeDir, src.file), generators.Merged, s)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}
