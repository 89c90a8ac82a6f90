# syntax=docker/dockerfile:1.7
#
# The sightline image: `docker compose up --build` builds it (see docker-compose.yml), or
#   docker build -t sightline:local .
#   docker run --rm sightline:local analyze /opt/sightline/examples/sessions
#
# Stage 1 compiles the release binary; stage 2 is a slim Debian with the binary, the rule packs,
# the sample sessions and the example config, running as a non-root user.

# ---------------------------------------------------------------------------------------------
# Stage 1: build
# ---------------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build

# rdkafka builds its bundled librdkafka statically (./configure + make, `libz` feature), which
# needs a C toolchain, make, pkg-config and zlib headers; librdkafka's top-level Makefile calls
# python3 for its version string. cmake is the fallback aws-lc-sys (rustls' crypto) reaches for
# where it has no cc recipe. The rust image ships most of this already; listing it keeps the
# build working if the base image slims down.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential pkg-config python3 zlib1g-dev cmake \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Everything the crate compiles in: sources, rule packs (include_str!), ATT&CK data, Avro
# schemas, benches (declared in Cargo.toml, so they must exist for the manifest to load).
COPY . .

# The registry and target directories are BuildKit cache mounts, so a rebuild after a source
# change recompiles only the crate itself; the binary is copied out of the cache mount.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin sightline \
    && mkdir -p /out \
    && cp target/release/sightline /out/sightline \
    && strip --strip-debug /out/sightline

# ---------------------------------------------------------------------------------------------
# Stage 2: runtime
# ---------------------------------------------------------------------------------------------
FROM debian:12.12-slim

# ca-certificates: TLS to brokers, the schema registry, LLM providers and sinks.
# curl: the compose healthcheck probes http://localhost:9898/healthz with it (~1 MB).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 sightline \
    && useradd --system --uid 10001 --gid sightline --home-dir /var/lib/sightline \
        --shell /usr/sbin/nologin sightline \
    && mkdir -p /var/lib/sightline /etc/sightline /opt/sightline \
    && chown sightline:sightline /var/lib/sightline

COPY --from=build /out/sightline /usr/local/bin/sightline
COPY rules/ /opt/sightline/rules/
COPY examples/ /opt/sightline/examples/
COPY config/ /opt/sightline/config/
# The default configuration `run` reads; docker-compose.yml mounts config/sightline.compose.toml
# over it. Its relative store path ("sightline-state") lands in the working directory below.
COPY config/sightline.toml /etc/sightline/sightline.toml

# The state directory (embedded store); docker-compose.yml mounts a named volume here. Created
# above and owned by the sightline user, so a fresh named volume inherits that ownership. (No
# VOLUME instruction: the replay/analyze containers of the same image would each leave an
# anonymous volume behind.)
WORKDIR /var/lib/sightline
USER sightline:sightline

# /metrics, /healthz, /readyz, /state (telemetry.listen must be 0.0.0.0:9898 in a container).
EXPOSE 9898

ENTRYPOINT ["sightline"]
CMD ["run", "--config", "/etc/sightline/sightline.toml"]
