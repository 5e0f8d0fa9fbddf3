// Package orders holds the orders service and its handlers.
package orders

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog/log"
)

// Service answers orders.
type Service struct{}

// NewService returns the service.
func NewService() *Service { return &Service{} }

// Get answers one order.
func (s *Service) Get(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "orderID")
	log.Ctx(r.Context()).Info().Str("order_id", id).Msg("order loaded")
	log.Info().Ctx(r.Context()).Str("order_id", id).Msg("order shown")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// Fail panics, as a bug would.
func (s *Service) Fail(w http.ResponseWriter, r *http.Request) {
	panic("order " + chi.URLParam(r, "orderID") + " is broken")
}
