# Masteria: `make run` starts the product, `make test` runs every test.
# Needs Go 1.26 and Node 20 (npm 11). The browser tests need Chromium at
# /usr/bin/chromium (Debian: apt-get install chromium).

BIN        := bin/masteria
VERSION    := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOFLAGS_LD := -ldflags "-X main.version=$(VERSION)"

.PHONY: run test build web vet test-go test-web e2e clean

run: build
	./$(BIN) serve

build: web
	go build $(GOFLAGS_LD) -o $(BIN) ./cmd/masteria

web: web/node_modules/.package-lock.json
	cd web && npm run build

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

test: vet test-go test-web e2e

vet:
	go vet ./...

test-go:
	go test -race -timeout 20m ./...

test-web: web/node_modules/.package-lock.json
	cd web && npm test

e2e: build
	cd web && MASTERIA_BIN=$(CURDIR)/$(BIN) npm run e2e

clean:
	rm -rf bin web/node_modules
	find web/dist -mindepth 1 ! -name .gitkeep -delete
