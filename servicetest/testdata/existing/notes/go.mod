module github.com/acme/notes

go 1.22

require (
	github.com/go-chi/chi/v5 v5.0.12
	github.com/joho/godotenv v1.5.1
	github.com/sirupsen/logrus v1.9.3
)

require golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
