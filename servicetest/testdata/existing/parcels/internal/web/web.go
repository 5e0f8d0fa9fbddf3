// Package web holds the parcels API's handlers and middleware.
package web

import (
	"encoding/json"
	"log"
	"net/http"
)

// WithRecover turns a panicking handler into the API's JSON 500.
func WithRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				log.Printf("recovered: %v", v)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":"internal"}`))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Parcel answers a parcel's status.
func Parcel(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "status": "at depot"})
}

// Label prints a parcel's label; the printer driver panics on a bad id.
func Label(w http.ResponseWriter, r *http.Request) {
	panic("label printer out of ribbon for " + r.PathValue("id"))
}
