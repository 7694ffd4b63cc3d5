# storesync — `make help` lists the targets.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := $(CURDIR)/bin
# Tests run against PostgreSQL too when this is set (CI sets it).
export STORESYNC_TEST_POSTGRES ?=

.PHONY: help build demo test testdata fmt-check vet staticcheck check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build the binary into bin/storesync
	$(GO) build -o $(BIN)/storesync ./cmd/storesync

demo: ## run the demo server
	$(GO) run ./cmd/storesync demo

testdata: ## fetch third-party test data (pinned npm packages) into testdata/npm
	bash scripts/testdata.sh

test: testdata ## run every test with the race detector (PostgreSQL too when STORESYNC_TEST_POSTGRES is set)
	$(GO) test -race -timeout 20m ./...

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install $(STATICCHECK)

staticcheck: $(BIN)/staticcheck ## staticcheck, pinned
	$(BIN)/staticcheck ./...

check: fmt-check vet staticcheck test ## everything CI checks

bench: ## storage and job benchmarks on both databases
	$(GO) test -run '^$$' -bench . -benchtime 2s ./internal/database/ ./internal/jobs/

clean: ## remove built files and fetched test data
	rm -rf $(BIN) testdata/npm
