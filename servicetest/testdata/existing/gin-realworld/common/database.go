// Package common holds the database handle shared by the API's modules.
package common

import (
	"database/sql"

	_ "github.com/mattn/go-sqlite3" // the sqlite3 driver, built with cgo
	"go.uber.org/zap"
)

// Init opens the database (in memory when path is empty) and creates the
// schema.
func Init(path string) *sql.DB {
	if path == "" {
		path = "file::memory:?cache=shared"
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		zap.L().Fatal("db open", zap.Error(err))
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS articles (slug TEXT PRIMARY KEY, title TEXT);
INSERT OR IGNORE INTO articles VALUES ('how-to-train-your-dragon', 'How to train your dragon');`); err != nil {
		zap.L().Fatal("db schema", zap.Error(err))
	}
	return db
}
