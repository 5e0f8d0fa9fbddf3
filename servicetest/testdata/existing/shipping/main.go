package main

import (
	"database/sql"
	"log"
	"net/http"
	"os"

	_ "github.com/mattn/go-sqlite3"
	"go.uber.org/zap"
)

func main() {
	logger, err := zap.NewProduction()
	if err != nil {
		log.Fatal(err)
	}
	zap.ReplaceGlobals(logger)

	db, err := sql.Open("sqlite3", "file::memory:?cache=shared")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /shipments/{id}", func(w http.ResponseWriter, r *http.Request) {
		var now string
		_ = db.QueryRowContext(r.Context(), "SELECT datetime('now')").Scan(&now)
		zap.L().Info("shipment tracked", zap.String("id", r.PathValue("id")), zap.Any("ctx", r.Context()))
		_, _ = w.Write([]byte("shipment " + r.PathValue("id") + " at " + now + "\n"))
	})
	mux.HandleFunc("GET /shipments/{id}/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("lost shipment")
	})

	srv := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: mux}
	log.Fatal(srv.ListenAndServe())
}
