// Package handlers serves invoices.
package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Invoice answers one invoice.
func Invoice(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "total": 1200})
}

// Crash panics.
func Crash(c *gin.Context) {
	panic("invoice " + c.Param("id"))
}
