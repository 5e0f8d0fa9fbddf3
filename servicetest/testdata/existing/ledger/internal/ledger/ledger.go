// Package ledger holds the ledger's accounts and handlers.
package ledger

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Handlers answer the accounts API.
type Handlers struct{}

// Balance answers one account's balance.
func (Handlers) Balance(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "accountID")
	_ = json.NewEncoder(w).Encode(map[string]any{"account": id, "balance": 120})
}

// Reconcile panics, as a bug would.
func (Handlers) Reconcile(w http.ResponseWriter, r *http.Request) {
	var totals map[string]int
	totals[chi.URLParam(r, "accountID")]++ // assignment to entry in nil map
	log.Print("reconciled")
}
