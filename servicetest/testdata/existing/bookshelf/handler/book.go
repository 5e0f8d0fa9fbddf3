// Package handler holds the bookshelf's handlers.
package handler

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Book answers one book.
func Book(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id")})
}
