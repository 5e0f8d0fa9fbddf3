// Package store keeps articles in memory.
package store

import "sync"

// Article is one article.
type Article struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Store is a concurrency-safe article store.
type Store struct {
	mu       sync.RWMutex
	articles map[string]Article
}

// New returns a store with two articles.
func New() *Store {
	return &Store{articles: map[string]Article{
		"1": {ID: "1", Title: "Hi"},
		"2": {ID: "2", Title: "sup"},
	}}
}

// All returns every article.
func (s *Store) All() []Article {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Article, 0, len(s.articles))
	for _, a := range s.articles {
		out = append(out, a)
	}
	return out
}

// Get returns one article.
func (s *Store) Get(id string) (Article, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.articles[id]
	return a, ok
}
