// Command inventory serves the stock levels of the warehouse.
package main

import (
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"example.com/inventory/internal/items"
)

func main() {
	err := items.CheckSeed(os.Getenv("INVENTORY_SEED"))
	if err != nil {
		log.Fatalf("seed: %v", err)
	}
	store, err := items.Open(os.Getenv("INVENTORY_SEED"))
	if err != nil {
		log.Fatalf("open store: %v", err)
	}
	if err = store.Migrate(); err != nil {
		log.Fatalf("migrate: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", store.Get)
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })

	srv := &http.Server{
		Addr:         ":" + port(),
		Handler:      mux,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 10 * time.Second,
	}
	log.Printf("inventory listening on %s", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8000"
}
