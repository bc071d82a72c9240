# syntax=docker/dockerfile:1
# The aftersale worker. Built by docker-compose.yml (service "worker").
#   docker build -t aftersale-worker .

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# go.mod pins the toolchain version; never download another one.
ENV GOTOOLCHAIN=local CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/worker ./worker

# Static binary (the embedded dev server's SQLite driver is pure Go), CA
# certificates and tzdata for the platform APIs, no shell, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/worker /usr/local/bin/worker
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/worker"]
