// Package store keeps the pantry's recipes in SQLite through gorm.
package store

import (
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Recipe is one recipe; Note is the kitchen's private note, never shown.
type Recipe struct {
	ID    uint   `gorm:"primaryKey"`
	Slug  string `gorm:"uniqueIndex"`
	Title string
	Note  string
}

// Rating is one reviewer's stars for a recipe.
type Rating struct {
	ID         uint `gorm:"primaryKey"`
	RecipeSlug string
	Reviewer   string
	Stars      int
}

// Open opens the database at path (an in-memory one when empty), migrates
// it and seeds the house recipes.
func Open(path string) (*gorm.DB, error) {
	if path == "" {
		path = "file::memory:?cache=shared"
	}
	db, err := gorm.Open(sqlite.Open(path), &gorm.Config{
		// Every statement in the log while we are small.
		Logger: logger.Default.LogMode(logger.Info),
	})
	if err != nil {
		return nil, err
	}
	if err := db.AutoMigrate(&Recipe{}, &Rating{}); err != nil {
		return nil, err
	}
	var n int64
	db.Model(&Recipe{}).Count(&n)
	if n == 0 {
		db.Create(&Recipe{Slug: "saffron-risotto", Title: "Saffron risotto", Note: "supplier-code-SQ7731"})
		db.Create(&Rating{RecipeSlug: "saffron-risotto", Reviewer: "ana@example.com", Stars: 5})
	}
	return db, nil
}
