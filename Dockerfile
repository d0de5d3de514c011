# syntax=docker/dockerfile:1
# Build: docker build -t spindle .
# Run:   docker run -p 8080:8080 -v spindle-data:/data spindle serve --sandbox

FROM golang:1.26-bookworm AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# .dockerignore keeps ./data (the database and secret.key) and .git out of the build context.
COPY . .
# go-sqlite3 needs cgo. Linking it statically (netgo and osusergo keep glibc's resolver and
# user lookups out) gives a binary that needs nothing from the image: zone data is embedded
# (time/tzdata), so the runtime stage is distroless with only CA certificates.
RUN CGO_ENABLED=1 go build -trimpath -tags 'netgo osusergo sqlite_omit_load_extension' -ldflags "-s -w -X main.version=${VERSION} -linkmode external -extldflags -static" -o /out/spindle ./cmd/spindle
# The data volume's mount point, owned by the runtime user and closed to everyone else.
RUN install -d -m 0700 -o 65532 -g 65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/spindle /usr/local/bin/spindle
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV SPINDLE_DATA_DIR=/data SPINDLE_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["spindle", "healthcheck"]
ENTRYPOINT ["spindle"]
CMD ["serve"]
