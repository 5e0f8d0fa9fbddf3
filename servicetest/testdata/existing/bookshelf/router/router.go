// Package router builds the bookshelf's echo instance.
package router

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/pagewise/bookshelf/handler"
)

// New returns the API with its routes and middleware.
func New() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.Use(middleware.Logger())
	e.Use(middleware.Recover())
	e.GET("/books/:id", handler.Book)
	return e
}
