# HMS — the two commands a new user needs are `make run` and `make test`.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/hms

.PHONY: run build ui test test-go screenshots bench clean

## run: build the web UI and HMS, then start it on the embedded SQLite database (http://localhost:8080)
run: ui build
	./$(BIN) serve

## ui: build the web UI into internal/web/dist, where go build embeds it
ui:
	cd web && npm ci --no-audit --no-fund && npm run build

## build: build the hms binary into bin/
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/hms

## test: run every test, installing what the tests need (PostgreSQL) when missing
test:
	bash scripts/test.sh

## test-go: only the Go tests (PostgreSQL tests skip when no server binaries are installed)
test-go:
	go test ./...

## screenshots: run the web UI's end-to-end tests and save their screenshots over docs/screenshots (the README's)
screenshots: ui build
	cd web && HMS_BIN=$(CURDIR)/$(BIN) HMS_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots npm run e2e

## bench: seed SQLite and a throwaway PostgreSQL, start hms on 127.0.0.1 and run the load scenarios
## (BENCH_PATIENTS, BENCH_DURATION, BENCH_DATABASES, BENCH_SCENARIOS, BENCH_MARKDOWN, BENCH_REFERENCE; see docs/BENCHMARKS.md)
## (hms is built with the tag pprof, so that HMS_PPROF_ADDR serves profiles)
bench:
	CGO_ENABLED=0 go build -tags pprof -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/hms
	go build -trimpath -o bin/hms-bench ./cmd/hms-bench
	./bin/hms-bench

clean:
	rm -rf bin
