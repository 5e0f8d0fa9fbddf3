// Package server builds the storefront's router.
package server

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"
)

// NewRouter returns the storefront API.
func NewRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/products/{sku}", product).Methods(http.MethodGet)
	r.HandleFunc("/products/{sku}/crash", func(http.ResponseWriter, *http.Request) { panic("crash") })
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<html><body>Page not found</body></html>`))
	})
	return r
}

func product(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]string{"sku": mux.Vars(r)["sku"]})
}
