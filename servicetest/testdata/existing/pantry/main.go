// Command pantry serves the recipes API.
package main

import (
	"log"
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/larder/pantry/internal/recipes"
	"github.com/larder/pantry/internal/store"
)

func main() {
	db, err := store.Open(os.Getenv("PANTRY_DB"))
	if err != nil {
		log.Fatalf("open store: %v", err)
	}

	e := echo.New()
	e.Use(middleware.Logger())
	e.Use(middleware.Recover())

	h := recipes.Handler{DB: db}
	e.GET("/recipes/:slug", h.Show)
	e.GET("/recipes/:slug/crash", h.Crash)
	e.GET("/stock", h.Stock)
	e.GET("/reports/popularity", h.Popularity)
	e.Logger.Infof("%d routes registered", len(e.Routes()))

	port := os.Getenv("PORT")
	if port == "" {
		port = "1323"
	}
	e.Logger.Fatal(e.Start(":" + port))
}
