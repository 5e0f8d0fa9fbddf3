# The named loops. scripts/test.sh stays the one command CI runs.
#
#   make test      the fast loop: the root module with -short (well under a minute)
#   make test-all  everything CI runs: real tools, every module, no -short
#   make golden    rewrite every golden file from the current generators; review the diff
#   make lint      gofmt, go vet and staticcheck over the root module

STATICCHECK ?= go run honnef.co/go/tools/cmd/staticcheck@v0.7.0

.PHONY: test test-all golden lint

test:
	go test -short ./...

test-all:
	scripts/test.sh

golden:
	go test ./golden/ -update
	go test ./golden/

lint:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard -- '*.go' ':!:*/testdata/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...
