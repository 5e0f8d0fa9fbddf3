// Command kiosk serves the ticket kiosk's API.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/boxoffice/kiosk/internal/partner"
)

type server struct {
	log     *log.Logger
	tickets map[string]string
}

// recoverJSON answers a panicking handler with the API's error body.
func (s *server) recoverJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				s.log.Printf("panic: %v\n%s", v, debug.Stack())
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "internal"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *server) ticket(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if id == "t-0" {
		panic("ticket printer jammed")
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "seat": s.tickets[id]})
}

func main() {
	s := &server{log: log.New(os.Stderr, "kiosk ", log.LstdFlags), tickets: map[string]string{"t-1": "A7"}}
	r := chi.NewRouter()
	r.Use(middleware.RealIP)
	r.Use(s.recoverJSON)
	r.Get("/tickets/{id}", s.ticket)
	r.Route("/partners", func(r chi.Router) {
		r.Use(partner.Recover)
		r.Get("/{name}/quota", partner.Quota)
	})

	addr := ":" + os.Getenv("PORT")
	s.log.Printf("listening on %s", addr)
	if err := http.ListenAndServe(addr, r); err != nil {
		log.Fatal(err)
	}
}
