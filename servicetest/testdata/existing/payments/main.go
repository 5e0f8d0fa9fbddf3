package main

import (
	"flag"
	"net/http"

	"github.com/rs/zerolog/log"

	"git.internal/payments/api"
)

var addr = flag.String("addr", ":7000", "listen address")

func main() {
	flag.Parse()

	http.HandleFunc("GET /payments/{id}", api.GetPayment)
	http.HandleFunc("GET /crash", api.Crash)

	log.Info().Str("addr", *addr).Msg("payments up")
	log.Fatal().Err(http.ListenAndServe(*addr, nil)).Msg("server stopped")
}
