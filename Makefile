# Ferry's build and test entry points. `make test` is what CI runs.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG     := github.com/ferryhq/ferry/internal/buildinfo
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)

.PHONY: test test-short lint audit audit-eval unit build dev env-example assets fuzz bench abuse-figures chaos chaos-short image release

# go.work joins the twelvefactor module to Ferry's, but `./...` at the root
# still names Ferry's packages only (a folder with its own go.mod is another
# module), so every check names both patterns.
PKGS := ./... ./twelvefactor/...

## test: everything CI checks: formatting, vet, staticcheck, then all tests with the race detector
test: lint unit

## test-short: the fast lane, about a minute: no browser, no real processes, no builds (testkit.SkipShort)
test-short:
	$(TESTENV) go test -short $(PKGS)

lint:
	@out=$$(gofmt -l cmd internal twelvefactor); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(PKGS)
	go tool staticcheck $(PKGS)
	GOOS=darwin GOARCH=arm64 go build -o /dev/null ./cmd/ferry ./twelvefactor/cmd/twelvefactor  # every release platform builds
	cd twelvefactor && GOWORK=off go build ./... # the module stands alone: nothing of Ferry's is needed
	$(MAKE) --no-print-directory audit

## audit: Ferry's own twelve-factor audit with twelvefactor; any error-level finding fails (twelvefactor/README.md)
audit:
	@out=$$(go run ./twelvefactor/cmd/twelvefactor . 2>&1) || { echo "$$out"; exit 1; }; echo "$$out" | tail -n 1

## audit-eval: download the labelled corpus of real apps (npm, Go module proxy; cached in ~/.cache/ferry-tools/audit-corpus) and print the audit's precision and recall (twelvefactor/README.md); not part of make test
audit-eval:
	go run ./twelvefactor/eval -dir twelvefactor/eval

# TESTENV runs a command on one Postgres and one Redis for the whole run,
# started unless TEST_DATABASE_URL / TEST_REDIS_URL are set; without it
# each test binary would start its own.
TESTENV := go run ./internal/testkit/cmd/testenv

unit:
	$(TESTENV) go test -race -timeout 15m $(PKGS)

## build: a static binary with the version stamped, in bin/ferry
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/ferry ./cmd/ferry

## image: the runtime image from a static binary with no registry or builder image (deploy/image/Containerfile), tagged $(IMAGE):$(VERSION); CONTAINER=docker works too
CONTAINER ?= podman
IMAGE     ?= ghcr.io/ferryhq/ferry
image:
	rm -rf dist/image && mkdir -p dist/image/tmp
	CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "$(LDFLAGS)" -o dist/image/ferry ./cmd/ferry
	cp deploy/image/Containerfile deploy/image/passwd deploy/image/group /etc/ssl/certs/ca-certificates.crt dist/image/
	$(CONTAINER) build -f dist/image/Containerfile --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) \
		--build-arg DATE=$(DATE) -t $(IMAGE):$(VERSION) dist/image

## helm-test: render deploy/helm/ferry with the Helm SDK and hold it to the manifests' policies; its own module (outside go.work), so Ferry's build does not carry the SDK
.PHONY: helm-test
helm-test:
	cd deploy/helm && GOWORK=off go test -count=1 ./...

## dev: run Ferry locally with embedded services
dev:
	go run ./cmd/ferry dev

## env-example: regenerate .env.example from the config struct
env-example:
	go test ./internal/config -run TestEnvExample -update

## assets: rebuild internal/web/assets/tus.js (and assets-src/NOTICE) from internal/web/assets-src with the versions package-lock.json pins; the bundle is committed, so building Ferry needs no npm (TestAssetsCurrent checks it is current)
assets:
	cd internal/web/assets-src && npm ci --no-audit --no-fund --ignore-scripts && node build.mjs

## fuzz: run each fuzz target briefly
fuzz:
	go test ./internal/units -run '^$$' -fuzz FuzzParseBytes -fuzztime 20s
	go test ./internal/units -run '^$$' -fuzz FuzzParseDuration -fuzztime 20s
	go test ./internal/filename -run '^$$' -fuzz '^FuzzClean$$' -fuzztime 20s
	go test ./internal/filename -run '^$$' -fuzz FuzzCleanPath -fuzztime 20s
	go test ./internal/files -run '^$$' -fuzz FuzzParseCursor -fuzztime 20s
	go test ./internal/download -run '^$$' -fuzz FuzzParseRange -fuzztime 20s
	go test ./internal/resumable -run '^$$' -fuzz FuzzParseChecksum -fuzztime 20s
	go test ./internal/resumable -run '^$$' -fuzz FuzzParseBatch -fuzztime 20s
	go test ./internal/filerequest -run '^$$' -fuzz FuzzParseUploader -fuzztime 20s
	go test ./internal/get -run '^$$' -fuzz FuzzSaveName -fuzztime 20s
	go test ./internal/share -run '^$$' -fuzz FuzzParseEdit -fuzztime 20s
	go test ./internal/get -run '^$$' -fuzz FuzzParseLink -fuzztime 20s
	go test ./internal/download -run '^$$' -fuzz FuzzNoneMatch -fuzztime 20s
	go test ./internal/web -run '^$$' -fuzz FuzzReceiveParts -fuzztime 20s
	go test ./internal/web -run '^$$' -fuzz FuzzWantsURL -fuzztime 20s
	go test ./internal/webhook -run '^$$' -fuzz FuzzParseURL -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzScan -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzTokenizeJS -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzTokenizePython -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzTokenizeRuby -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzTokenizeJava -fuzztime 20s
	go test ./twelvefactor -run '^$$' -fuzz FuzzTokenizeGo -fuzztime 20s

## bench: start the real stack and print throughput, memory and round-trip figures (docs/benchmarks.md); flags in BENCH_FLAGS
bench:
	@go run ./cmd/ferry-bench $(BENCH_FLAGS)

## abuse-figures: measure web and worker under hostile load against real processes, about two minutes (docs/operations.md, Abuse figures); no -race, which would swell RSS
abuse-figures:
	FERRY_FIGURES=1 go test ./cmd/ferry -run 'TestAbuseFigures|TestAbuseBlackBox' -count=1 -v -timeout 10m

## chaos: break the real stack behind nginx scenario by scenario under load and verify the data (docs/reliability.md); flags in CHAOS_FLAGS
chaos:
	@go run ./cmd/ferry-chaos $(CHAOS_FLAGS)

## chaos-short: the CI form of the chaos suite: one rolling restart and one storage outage, about 2 minutes
chaos-short:
	@go run ./cmd/ferry-chaos -short $(CHAOS_FLAGS)

## release: static binaries for linux/amd64, linux/arm64 and darwin/arm64 in dist/, version stamped, each with a CycloneDX SBOM, the image's OCI labels, and dist/SHA256SUMS over all of them; `make release VERSION=v1.2.3`
RELEASE_PLATFORMS := linux/amd64 linux/arm64 darwin/arm64
# Each binary's SBOM lists the modules (and the Go release) compiled into
# it, read from its build info, so it is exact per platform. The tool is
# pinned here and fetched through the module proxy by `go run` (about two
# minutes the first time, seconds after). `bin` rather than `app`: `app`
# asks git for the module's version and fails in a git worktree.
SBOM_TOOL := github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0
SOURCE    := https://github.com/ferryhq/ferry
SHA256SUM := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo 'shasum -a 256')
release:
	rm -rf dist && mkdir -p dist
	@set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/ferry-$(VERSION)-$$os-$$arch; \
		echo "build $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(LDFLAGS)" -o $$out ./cmd/ferry; \
		echo "sbom $$out.cdx.json"; \
		GOWORK=off go run $(SBOM_TOOL) bin -json -std -licenses -version $(VERSION) -output $$out.cdx.json $$out; \
	done
	@# The labels the image of this release carries (make image, the Dockerfile's build args).
	printf '%s\n' "org.opencontainers.image.version=$(VERSION)" "org.opencontainers.image.revision=$(COMMIT)" \
		"org.opencontainers.image.created=$(DATE)" "org.opencontainers.image.source=$(SOURCE)" > dist/ferry-$(VERSION).oci-labels
	cd dist && $(SHA256SUM) ferry-* > SHA256SUMS
	@cat dist/SHA256SUMS

## release-twelvefactor: the twelvefactor binaries for the same platforms in dist/twelvefactor/, with their own SHA256SUMS; its releases are tagged twelvefactor/vX.Y.Z
TF_VERSION ?= $(shell git describe --tags --match 'twelvefactor/v*' --always --dirty 2>/dev/null | sed 's|^twelvefactor/||' | grep . || echo dev)
.PHONY: release-twelvefactor
release-twelvefactor:
	rm -rf dist/twelvefactor && mkdir -p dist/twelvefactor
	@set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/twelvefactor/twelvefactor-$(TF_VERSION)-$$os-$$arch; \
		echo "build $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath \
			-ldflags "-s -w -X github.com/ferryhq/ferry/twelvefactor.Version=$(TF_VERSION)" -o $$out ./twelvefactor/cmd/twelvefactor; \
	done
	cd dist/twelvefactor && $(SHA256SUM) twelvefactor-* > SHA256SUMS
	@cat dist/twelvefactor/SHA256SUMS
