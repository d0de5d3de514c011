# syntax=docker/dockerfile:1
# Build: docker build -t spindle .
# Run:   docker run -p 8080:8080 -v spindle-data:/data spindle serve --sandbox

FROM golang:1.26-bookworm AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# go-sqlite3 needs cgo; the result links glibc dynamically, so the runtime stage is Debian too.
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/spindle ./cmd/spindle

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin spindle \
    && mkdir -p /data && chown spindle:spindle /data && chmod 0700 /data
COPY --from=build /out/spindle /usr/local/bin/spindle
USER spindle
ENV SPINDLE_DATA_DIR=/data SPINDLE_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["spindle", "healthcheck"]
ENTRYPOINT ["spindle"]
CMD ["serve"]
