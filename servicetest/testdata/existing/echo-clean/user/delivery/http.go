// Package delivery serves the user use cases over HTTP.
package delivery

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/acme/echo-clean/domain"
)

// UserHandler serves users.
type UserHandler struct{ UUsecase domain.UserUsecase }

// NewUserHandler mounts the user routes on e.
func NewUserHandler(e *echo.Echo, us domain.UserUsecase) {
	h := &UserHandler{UUsecase: us}
	e.GET("/users/:id", h.GetByID)
}

// GetByID answers one user.
func (h *UserHandler) GetByID(c echo.Context) error {
	u, err := h.UUsecase.GetByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return c.JSON(http.StatusNotFound, map[string]string{"message": err.Error()})
	}
	return c.JSON(http.StatusOK, u)
}
