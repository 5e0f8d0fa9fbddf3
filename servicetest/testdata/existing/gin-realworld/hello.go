package main

import (
	"os"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/acme/realworld/articles"
	"github.com/acme/realworld/common"
)

func main() {
	logger, _ := zap.NewProduction()
	defer logger.Sync()
	zap.ReplaceGlobals(logger)

	db := common.Init(os.Getenv("DB_PATH"))
	defer db.Close()

	r := gin.Default()
	v1 := r.Group("/api")
	articles.Register(v1.Group("/articles"), db)
	r.GET("/api/panic", func(c *gin.Context) { panic("boom") })

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	r.Run(":" + port) // listen and serve on 0.0.0.0:8080
}
