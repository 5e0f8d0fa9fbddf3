package main

import (
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/sirupsen/logrus"

	"github.com/acme/echo-clean/user/delivery"
	"github.com/acme/echo-clean/user/usecase"
)

func init() {
	logrus.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	logrus.SetLevel(logrus.InfoLevel)
}

func main() {
	e := echo.New()
	e.Use(middleware.Logger())
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(middleware.CORS())

	delivery.NewUserHandler(e, usecase.NewUserUsecase())
	e.GET("/panic", func(c echo.Context) error { panic("boom") })

	port := os.Getenv("PORT")
	if port == "" {
		port = "9090"
	}
	logrus.Info("starting server on :" + port)
	e.Logger.Fatal(e.Start(":" + port))
}
