// Package api serves the payments endpoints.
package api

import (
	"encoding/json"
	"net/http"

	"github.com/rs/zerolog/log"
)

// GetPayment answers one payment.
func GetPayment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	log.Info().Ctx(r.Context()).Str("payment_id", id).Msg("payment looked up")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "status": "settled"})
}

// Crash is a handler with a bug.
func Crash(w http.ResponseWriter, r *http.Request) {
	var m map[string]int
	m["x"]++
}
