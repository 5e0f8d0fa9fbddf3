package main

import (
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

type product struct {
	SKU  string `json:"sku"`
	Name string `json:"name"`
}

func main() {
	e := echo.New()
	e.Use(middleware.RequestID())
	e.GET("/products/:sku", func(c echo.Context) error {
		return c.JSON(http.StatusOK, product{SKU: c.Param("sku"), Name: "Lamp"})
	})
	e.GET("/products/:sku/crash", func(c echo.Context) error {
		panic("no such product")
	})
	log.Fatal(e.Start(":" + os.Getenv("PORT")))
}
