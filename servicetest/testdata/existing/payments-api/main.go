package main

import (
	"log"

	"github.com/gin-gonic/gin"

	"payments-api/handlers"
)

func main() {
	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery())
	r.GET("/invoices/:id", handlers.Invoice)
	r.GET("/invoices/:id/crash", handlers.Crash)
	log.Println("starting payments-api")
	if err := r.Run(); err != nil {
		log.Fatal(err)
	}
}
