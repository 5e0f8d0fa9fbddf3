package wire

import "path"

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
}

// Add appends another service's plan. What was found is kept only for a
// plan of one service: the report shows each service's mains by file.
func (w *Plan) Add(o Plan) {
	if w.Found == nil && w.Mains == nil {
		*w = o
		return
	}
	w.Found = nil
	w.Mains = append(w.Mains, o.Mains...)
}
