# casecert: a contract and conformance test harness for the Case API.
# Only Go is needed for run, test and build; test-browser also needs Debian's chromium.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
# The build date is the commit's, so that two builds of one commit are byte-identical.
EPOCH   ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null)
CLI     := github.com/casecert/casecert/internal/cli
LDFLAGS := -X $(CLI).Version=$(VERSION) -X $(CLI).Commit=$(COMMIT) -X $(CLI).BuildDate=$(DATE)
DIST_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
GO      ?= go

.DEFAULT_GOAL := help

.PHONY: help build run test bench lint test-browser dist clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/casecert (version stamped)
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/casecert ./cmd/casecert

run: build ## certify the built-in reference server; report in casecert-report/
	./bin/casecert run --report-dir casecert-report

# internal/selftest (the fault table) and ci (the recipes' jobs: casecert runs in
# subprocesses of its test binary, 5x slower built with -race) run without -race.
test: lint ## every test: -race for all but internal/selftest and ci, which run beside them in their own invocation (its output after)
	@self=$$(mktemp); \
	$(GO) test -count=1 -parallel 8 ./internal/selftest/ ./ci/ > $$self 2>&1 & pid=$$!; \
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e '/internal/selftest$$' -e '/ci$$'); race=$$?; \
	wait $$pid; selftest=$$?; cat $$self; rm -f $$self; \
	[ $$race -eq 0 ] && [ $$selftest -eq 0 ]

bench: ## benchmarks: reference server round trips, a full run, a run through a 20 ms / 150 ms proxy against its lower bound, and peak RSS against hostile targets at --concurrency 32
	$(GO) test -run '^$$' -bench . -benchmem ./internal/refserver/
	$(GO) test -run '^$$' -bench FullRun -benchmem -benchtime 3x ./internal/cli/
	$(GO) test -run '^$$' -bench Latency -benchtime 1x ./internal/cli/
	CASECERT_HOSTILE=big-field,huge-headers CASECERT_ARGS="--concurrency 32" $(GO) test -run '^$$' -bench HostileTargets -benchtime 1x ./internal/hostile/

lint: ## gofmt, go vet, staticcheck, go mod tidy (and ci/actionlint's), and no non-test Go file over 600 lines
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@$(GO) mod tidy -diff >/dev/null || { echo "go mod tidy would change go.mod/go.sum: run it and commit"; $(GO) mod tidy -diff; exit 1; }
	@cd ci/actionlint && $(GO) mod tidy -diff >/dev/null || { echo "go mod tidy would change ci/actionlint/go.mod: run it there and commit"; exit 1; }
	@long=$$(find . -name '*.go' ! -name '*_test.go' -not -path './.git/*' -exec awk 'FNR==601{print FILENAME}' {} +); \
	  if [ -n "$$long" ]; then echo "over 600 lines (split by concern):"; echo "$$long"; exit 1; fi

dist: ## release archives for linux, darwin and windows (amd64, arm64) and SHA256SUMS in dist/; byte-identical on one commit
	rm -rf dist && mkdir -p dist/bin
	for p in $(DIST_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=false -ldflags "-s -w -buildid= $(LDFLAGS)" \
	    -o dist/bin/$${os}_$${arch}/casecert$$ext ./cmd/casecert || exit 1; \
	done
	$(GO) run ./internal/dist/distpack -dir dist -version $(VERSION) -mtime $(EPOCH) README.md LICENSE
	rm -rf dist/bin
	@cat dist/SHA256SUMS

clean: ## remove build, dist and report output
	rm -rf bin dist casecert-report

-include reports/browser.mk
