// Package web serves the notes pages.
package web

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	log "github.com/sirupsen/logrus"
)

// Note answers one note.
func Note(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	log.WithContext(r.Context()).WithField("note", id).Info("note read")
	_, _ = w.Write([]byte(os.Getenv("NOTES_GREETING") + ": note " + id + "\n"))
}

// Panic panics.
func Panic(w http.ResponseWriter, r *http.Request) {
	panic("note " + chi.URLParam(r, "id"))
}
