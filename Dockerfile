# syntax=docker/dockerfile:1
#
# connect-sidecar as one static binary on distroless/static, running as nonroot.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t connect-sidecar .
#
# cmd/connect-sidecar/static_test.go runs this file's `go build` line itself and
# checks the result is static and runs with an empty environment, so keep that
# command on one RUN instruction.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
# VERSION is what `connect-sidecar version` prints (internal/buildinfo.Version).
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w -X github.com/connect-sidecar/connect-sidecar/internal/buildinfo.Version=${VERSION}" \
    -o /out/connect-sidecar ./cmd/connect-sidecar

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/connect-sidecar /connect-sidecar
USER nonroot
# REST API, probes and metrics (listeners, default http://:8083).
EXPOSE 8083
# Docker and Compose use this; Kubernetes, ECS, Nomad and Cloud Run use their
# own checks (see deploy/).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["/connect-sidecar","probe","ready"]
ENTRYPOINT ["/connect-sidecar"]
