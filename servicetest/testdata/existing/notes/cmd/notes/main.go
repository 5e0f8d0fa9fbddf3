// Command notes serves notes.
package main

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/joho/godotenv"
	log "github.com/sirupsen/logrus"

	"github.com/acme/notes/internal/web"
)

func main() {
	if err := godotenv.Load(); err != nil {
		log.Warn("no .env file")
	}

	router := chi.NewRouter()
	router.Use(middleware.RequestID, middleware.RealIP, middleware.Recoverer)
	router.Get("/notes/{id}", web.Note)
	router.Get("/notes/{id}/panic", web.Panic)

	log.WithField("port", os.Getenv("PORT")).Info("notes starting")
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), router))
}
