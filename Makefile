# ihub — the two commands that matter:
#   go run ./cmd/ihub serve     run the hub (SQLite in ./ihub-data, console included)
#   make test                   run the whole test suite
.PHONY: test test-race build generate check-generated bench vet fmt

GO ?= go
PKGS := ./...

# The whole suite. Store tests also run on PostgreSQL when
# IHUB_TEST_DATABASE_URL is set (CI always sets it).
test: vet
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

vet:
	@unformatted=$$(gofmt -l cmd internal scripts); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/ihub ./cmd/ihub

# Regenerate sqlc queries, the PostgreSQL adapter and the OpenAPI document.
generate:
	cd tools && $(GO) tool sqlc generate -f ../internal/store/sqlc.yaml
	cd internal/store && $(GO) run ./internal/adaptergen
	$(GO) test ./internal/httpapi -run TestOpenAPI -update -count=1

# Fails if generated files differ from what `make generate` produces.
check-generated: generate
	@git diff --exit-code -- internal/store api || { echo "generated files are stale: run make generate and commit"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/secret/ ./internal/store/
	./scripts/bench-http.sh
