// Package recipes holds the pantry's HTTP handlers.
package recipes

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/larder/pantry/internal/store"
)

// houseReviewer rates every recipe in the test kitchen; their stars do
// not count.
const houseReviewer = "house-reviewer-K42"

// Handler answers the recipe routes.
type Handler struct{ DB *gorm.DB }

// Show answers one recipe and its average rating.
func (h Handler) Show(c echo.Context) error {
	db := h.DB.WithContext(c.Request().Context())
	var r store.Recipe
	if err := db.Where("slug = ?", c.Param("slug")).First(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "no such recipe")
		}
		return err
	}
	var avg struct{ Stars float64 }
	db.Raw("SELECT avg(stars) AS stars FROM ratings WHERE recipe_slug = ? AND reviewer <> ?", r.Slug, houseReviewer).Scan(&avg)
	return c.JSON(http.StatusOK, map[string]any{"slug": r.Slug, "title": r.Title, "stars": avg.Stars})
}

// Crash is the kitchen's fire drill.
func (h Handler) Crash(c echo.Context) error {
	panic("the oven caught fire")
}

// Stock answers the pantry's stock; its table comes with the next release.
func (h Handler) Stock(c echo.Context) error {
	var n int64
	err := h.DB.WithContext(c.Request().Context()).Table("stock").Where("shelf = ?", "cold-room-B9").Count(&n).Error
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"items": n})
}

// Popularity counts every view since opening: a slow report.
func (h Handler) Popularity(c echo.Context) error {
	var n int64
	h.DB.WithContext(c.Request().Context()).Raw(
		"WITH RECURSIVE views(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM views WHERE x < ?) SELECT count(*) FROM views", 4000000,
	).Scan(&n)
	return c.JSON(http.StatusOK, map[string]int64{"views": n})
}
