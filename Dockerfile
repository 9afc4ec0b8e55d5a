# syntax=docker/dockerfile:1
# Sud Pro API: a static binary on a distroless base, run as a non-root user.
#   docker build -t sudpro .
#   docker run --rm -p 8080:8080 --env-file sudpro.env sudpro            # serve (SUDPRO_ENV=production)
#   docker run --rm --env-file sudpro.env sudpro migrate up               # before rolling out a new version
#   docker run --rm --env-file sudpro.env sudpro ledger check             # after a restore
# See docs/deploy.md.

# Build: Go from the module's go.mod; dependencies cached in their own layer.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: no libc, so the binary runs on an image without one. The migrations and GraphiQL's assets are
# embedded, so the binary is the whole application.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/sudpro .

# Run: CA certificates (for the JWKS over HTTPS and TLS to PostgreSQL) and nothing else; user 65532 (nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sudpro /usr/local/bin/sudpro
USER nonroot:nonroot
ENV SUDPRO_ENV=production \
    SUDPRO_ADDR=:8080 \
    SUDPRO_METRICS_ADDR=:9090
# 8080: the API (GraphQL, GraphiQL, /healthz, /readyz); 9090: /metrics, for the internal network only.
EXPOSE 8080 9090
# SIGTERM starts the drain (readiness off, then in-flight requests finish): give it SUDPRO_DRAIN_DELAY +
# SUDPRO_REQUEST_TIMEOUT + 5 s (e.g. docker stop -t 30, Kubernetes terminationGracePeriodSeconds: 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sudpro"]
CMD ["serve"]
