// Command parcels tracks parcels for the depot's counters.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/depotline/parcels/internal/web"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /parcels/{id}", web.Parcel)
	mux.HandleFunc("GET /parcels/{id}/label", web.Label)

	addr := ":" + os.Getenv("PORT")
	log.Printf("parcels on %s", addr)
	log.Fatal(http.ListenAndServe(addr, web.WithRecover(mux)))
}
