// Package handlers holds the HTTP handlers of the articles API.
package handlers

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"

	"rest-example/internal/store"
)

// Articles serves the article resources.
type Articles struct {
	Store *store.Store
}

// List answers every article.
func (a Articles) List(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, a.Store.All())
}

// Get answers one article, or 404.
func (a Articles) Get(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "articleID")
	art, ok := a.Store.Get(id)
	if !ok {
		log.Printf("article %s not found", id)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	writeJSON(w, art)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
