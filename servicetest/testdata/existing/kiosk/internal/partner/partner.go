// Package partner serves the API the box office's resellers call.
package partner

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Recover keeps a reseller's bad request from dropping its connection:
// resellers get a plain 502 they retry on.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				http.Error(w, "partner API unavailable", http.StatusBadGateway)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Quota answers a reseller's remaining ticket quota.
func Quota(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte(`{"partner":"` + chi.URLParam(r, "name") + `","quota":40}`))
}
