# syntax=docker/dockerfile:1
# One image for every Ferry process type: `ferry web`, `ferry worker`,
# `ferry clock`, `ferry migrate`, `ferry admin ...`. Build it with the
# release's version so `ferry version` names it:
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse --short HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t ghcr.io/ferryhq/ferry:v1.2.3 .
#
# Nothing secret goes in: configuration comes from the environment at run time.

ARG GO_VERSION=1.26.8

# Base images are named in full (registry included): podman and buildah
# refuse short names unless the host configures search registries.
FROM --platform=$BUILDPLATFORM docker.io/library/golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# GOWORK=off: the image holds Ferry's module alone. go.work also names the
# twelvefactor module, which .dockerignore leaves out of the context and
# the ferry binary does not use.
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOWORK=off
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/ferryhq/ferry/internal/buildinfo.Version=${VERSION} -X github.com/ferryhq/ferry/internal/buildinfo.Commit=${COMMIT} -X github.com/ferryhq/ferry/internal/buildinfo.Date=${DATE}" \
      -o /out/ferry ./cmd/ferry

# compose.yaml builds this target: the same binary on distroless's debug
# variant, whose busybox lets compose run healthchecks (wget) inside it.
# Releases ship the last stage below, which has no shell at all.
FROM gcr.io/distroless/static-debian12:debug-nonroot AS compose
COPY --from=build /out/ferry /usr/local/bin/ferry
USER 65532:65532
EXPOSE 3000 9090
ENTRYPOINT ["/usr/local/bin/ferry"]
CMD ["web"]

# deploy/image/Containerfile is this stage built from a static binary
# outside any builder (scratch, the host's CA bundle, the same user), which
# is how deploy/image_test.go builds and runs it with podman.
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
ARG SOURCE=https://github.com/ferryhq/ferry
LABEL org.opencontainers.image.title="ferry" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${DATE}"
COPY --from=build /out/ferry /usr/local/bin/ferry
# 65532 is distroless's nonroot user; numeric so runAsNonRoot can verify it.
USER 65532:65532
# 3000: ferry web ($PORT). 9090: /health, /ready and /metrics of every process type ($METRICS_PORT).
EXPOSE 3000 9090
ENTRYPOINT ["/usr/local/bin/ferry"]
CMD ["web"]
