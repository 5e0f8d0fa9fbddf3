// Package articles serves the articles resource.
package articles

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

// Register mounts the article routes on g.
func Register(g *gin.RouterGroup, db *sql.DB) {
	g.GET("/:slug", func(c *gin.Context) {
		slug := c.Param("slug")
		var title string
		if err := db.QueryRowContext(c.Request.Context(), "SELECT title FROM articles WHERE slug = ?", slug).Scan(&title); err != nil {
			c.JSON(http.StatusNotFound, gin.H{"errors": gin.H{"article": "not found"}})
			return
		}
		zap.L().Info("article retrieved", zap.String("slug", slug), zap.Any("ctx", c.Request.Context()))
		c.JSON(http.StatusOK, gin.H{"article": gin.H{"slug": slug, "title": title}})
	})
}
