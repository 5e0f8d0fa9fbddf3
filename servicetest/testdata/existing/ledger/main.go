// Command ledger serves the accounts API.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"

	"github.com/northwind/ledger/internal/httpx"
	"github.com/northwind/ledger/internal/ledger"
)

func main() {
	h := ledger.Handlers{}
	r := chi.NewRouter()
	r.Use(httpx.Recover)
	r.Use(httpx.JSON)
	r.Get("/accounts/{accountID}/balance", h.Balance)
	r.Post("/accounts/{accountID}/reconcile", h.Reconcile)
	r.Get("/accounts/{accountID}/reconcile", h.Reconcile)

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("ledger listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, r))
}
