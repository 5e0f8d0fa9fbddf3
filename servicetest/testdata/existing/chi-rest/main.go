// Command rest-example serves a small articles API.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"rest-example/handlers"
	"rest-example/internal/store"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "3333"
	}

	articles := handlers.Articles{Store: store.New()}

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.RealIP)
	r.Use(middleware.Logger, middleware.Recoverer)

	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("root."))
	})
	r.Route("/articles", func(r chi.Router) {
		r.Get("/", articles.List)
		r.Get("/{articleID}", articles.Get) // GET /articles/123
	})
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("test")
	})

	log.Printf("listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, r))
}
