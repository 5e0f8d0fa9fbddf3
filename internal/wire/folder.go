package wire

import (
	"path"

	"github.com/obsgen/obsgen/generators"
)

// In moves the plan into dir, the service's folder in a repository of
// several services: its files are named from the repository's root.
func (w *Plan) In(dir string) {
	if dir == "." {
		return
	}
	for i := range w.Mains {
		m := &w.Mains[i]
		m.File = path.Join(dir, m.File)
		if m.edit != nil {
			e := *m.edit
			e.Path = path.Join(dir, e.Path)
			m.edit = &e
		}
	}
	for i := range w.Dependencies {
		w.Dependencies[i].File = path.Join(dir, w.Dependencies[i].File)
	}
	deps := make([]generators.File, len(w.deps))
	for i, e := range w.deps {
		e.Path = path.Join(dir, e.Path)
		deps[i] = e
	}
	w.deps = deps
}

// Add appends another service's plan. What was found is kept only for a
// plan of one service: the report shows each service's mains by file.
func (w *Plan) Add(o Plan) {
	if w.Found == nil && w.Mains == nil && w.deps == nil {
		*w = o
		return
	}
	w.Found = nil
	w.Mains = append(w.Mains, o.Mains...)
	w.Dependencies = append(w.Dependencies, o.Dependencies...)
	w.deps = append(w.deps, o.deps...)
}
