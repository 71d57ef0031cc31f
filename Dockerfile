# syntax=docker/dockerfile:1

# The HMS image: one static binary (API + embedded UI) on distroless, running as
# an unprivileged user with a read-only root filesystem and its data in /data.
#
#   docker build --build-arg VERSION=1.2.3 -t hms:1.2.3 .
#
# deploy/dockerfile_test.go parses this file and builds the binary with the
# flags of the RUN below, so keep the build in that single command.

ARG VERSION=dev

# 1. The React UI. `npm run build` writes into internal/web/dist, which the Go
#    build embeds.
FROM node:20-bookworm-slim AS ui
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# 2. The Go binary: static (no cgo, so it runs on distroless/static), with
#    reproducible paths and the version stamped in.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY internal/ internal/
COPY --from=ui /src/internal/web/dist/ internal/web/dist/
ARG VERSION
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/hms ./cmd/hms
# An empty data directory owned by the runtime user: a named volume mounted on
# /data starts with this ownership, so the unprivileged process can write to it.
RUN mkdir -p /out/data

# 3. The runtime: no shell, no package manager, uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION
LABEL org.opencontainers.image.title="hms" \
      org.opencontainers.image.description="Healthcare Management System" \
      org.opencontainers.image.source="https://github.com/hms-project/hms" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/hms /hms
COPY --from=build --chown=65532:65532 /out/data /data
ENV HMS_DATA_DIR=/data HMS_ADDR=:8080
USER nonroot:nonroot
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --start-interval=2s --retries=3 CMD ["/hms", "healthcheck"]
ENTRYPOINT ["/hms"]
CMD ["serve"]
