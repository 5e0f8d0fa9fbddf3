// Command bookshelf serves the books API.
package main

import (
	"github.com/pagewise/bookshelf/router"
)

func main() {
	e := router.New()
	e.Logger.Fatal(e.Start(":8585"))
}
