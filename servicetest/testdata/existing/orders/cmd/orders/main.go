// Command orders serves the orders API.
package main

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog/log"

	"github.com/acme/orders/internal/orders"
)

func newRouter(svc *orders.Service) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(middleware.Timeout(30 * 1e9))
	r.Get("/orders/{orderID}", svc.Get)
	r.Get("/orders/{orderID}/fail", svc.Fail)
	return r
}

func main() {
	svc := orders.NewService()
	r := newRouter(svc)

	addr := ":" + os.Getenv("PORT")
	log.Info().Msgf("orders listening on %s", addr)
	if err := http.ListenAndServe(addr, r); err != nil {
		log.Fatal().Err(err).Msg("listen")
	}
}
