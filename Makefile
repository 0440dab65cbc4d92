# Concord — see README.md. `make demo` runs it; `make test` tests it.
GO        ?= go
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
PKGS      := ./...

.PHONY: all build demo test test-short lint web web-check bench fuzz clean

all: lint test build

build: ## the concord binary (UI embedded from web/dist)
	CGO_ENABLED=0 $(GO) build -trimpath -o concord ./cmd/concord

demo: ## run Concord with the exercise scenario on http://127.0.0.1:8080
	$(GO) run ./cmd/concord demo

test: ## every test, with the race detector (browser tests need Debian's chromium)
	$(GO) test -race -count=1 -timeout 40m $(PKGS)

test-short: ## quick tests: no binary builds, no browser
	$(GO) test -short -count=1 $(PKGS)

lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

web: ## rebuild web/dist from web/src
	cd web && npm ci --no-audit --no-fund && npm run build

web-check: web ## fail if the committed web/dist differs from a fresh build
	@git diff --exit-code --stat -- web/dist || (echo "web/dist is stale: run 'make web' and commit it"; exit 1)
	@test -z "$$(git status --porcelain -- web/dist)" || (git status --porcelain -- web/dist; echo "web/dist has untracked build output: run 'make web' and commit it"; exit 1)

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

fuzz: ## run every fuzz target for FUZZTIME
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf concord concord-data concord-demo
