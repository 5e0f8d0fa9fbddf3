module github.com/acme/shipping

go 1.22

require (
	github.com/mattn/go-sqlite3 v1.14.22
	go.uber.org/zap v1.27.0
)

require go.uber.org/multierr v1.10.0 // indirect
