#
# propwatch container image. One build, one runtime base, and a thin target
# per component that only sets the default command, environment and
# healthcheck (the layers below them are shared, so the targets cost nothing
# extra to build or pull):
#
#   docker build --target aggregator -t propwatch-aggregator .
#   docker build --target probe      -t propwatch-probe .
#   docker build --target sim        -t propwatch-sim .
#   docker build --target alarm-pi   -t propwatch-alarm-pi .   # adds libgpiod's gpioset
#   docker build --target runtime    -t propwatch .            # generic: the command picks the component
#   docker build --target test       -t propwatch-test . && docker run --rm propwatch-test   # suites on this Node
#
# With the generic image: `docker run propwatch node probe/dist/cli.js --config …`
# (aggregator/dist/cli.js, sim/dist/cli.js, alarm-pi/dist/cli.js likewise).
# A plain `docker build .` builds the last stage, the aggregator.
#
# NODE_IMAGE is the base of the build, RUNTIME_IMAGE (the same by default)
# that of the components: the official node:22-bookworm-slim, or the two that
# scripts/docker/build-base-image.sh makes from Debian and npm packages where
# no image registry is reachable (propwatch/node:22-bookworm with npm and
# Node's headers, propwatch/node:22-bookworm-runtime without them);
# scripts/docker/build-images.sh does all of it. Either base exists for
# amd64 and arm64, so the same file builds the alarm-pi image on a Raspberry Pi.

ARG NODE_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=${NODE_IMAGE}

# ---------------------------------------------------------------- build ---
FROM ${NODE_IMAGE} AS build
# better-sqlite3 (aggregator) and epoll (onoff, alarm-pi) are native addons:
# node-gyp compiles them (npm ci below) against the headers the base image
# carries in /usr/local/include/node, so nothing is downloaded for it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY dns/package.json dns/
COPY sim/package.json sim/
COPY probe/package.json probe/
COPY aggregator/package.json aggregator/
COPY alarm-pi/package.json alarm-pi/
# PEM text of extra CAs to trust for this one step, for a TLS-intercepting
# proxy in front of the npm registry (build-images.sh passes the host's
# /usr/local/share/ca-certificates). Public certificates, not secrets; the
# build stage never reaches the runtime image.
ARG EXTRA_CA_CERTS=""
RUN set -eu; \
    if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; \
    fi; \
    npm_config_nodedir=/usr/local npm ci --no-audit --no-fund; \
    rm -f /tmp/extra-ca.pem
COPY . .
RUN npx tsc -b

# ----------------------------------------------------------------- test ---
# The unit and integration suites on this image's Node, with dev
# dependencies: `docker run --rm propwatch-test`. CI is unset here, so suites
# that need programs the image does not carry (BIND, Knot, dig, kdig,
# promtool, Chromium) skip with their printed reason; CI runs those on the
# host. Heavy suites and deploy/ (not in the build context) are not run.
FROM build AS test
CMD ["npx", "vitest", "run"]

# -------------------------------------------------------------- collect ---
FROM build AS collect
# Collect what runs: manifests, production node_modules (the @propwatch/*
# entries are symlinks to the workspace folders, kept as such), each
# package's dist/, its bin shim (so `propwatch-probe --once` works in a
# container too; shared/launch runs them), the aggregator's dashboard files
# and the healthcheck. No sources, tests, dev tools, or the compilers'
# leftovers of the native addons (only their .node files are loaded).
RUN set -eu; \
    npm prune --omit=dev --no-audit --no-fund; \
    for addon in node_modules/*/build node_modules/@*/*/build; do \
      [ -d "$addon/Release" ] || continue; \
      find "$addon" -mindepth 1 -depth ! -name '*.node' ! -path "$addon/Release" -exec rm -rf {} +; \
    done; \
    rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
      node_modules/better-sqlite3/build/Release/test_extension.node; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    cp -a node_modules /out/node_modules; \
    cp scripts/docker/healthcheck.mjs /out/healthcheck.mjs; \
    for pkg in shared dns sim probe aggregator alarm-pi; do \
      mkdir -p "/out/$pkg"; \
      cp "$pkg/package.json" "/out/$pkg/"; \
      cp -a "$pkg/dist" "/out/$pkg/dist"; \
      for extra in public node_modules bin launch; do \
        if [ -e "$pkg/$extra" ]; then cp -a "$pkg/$extra" "/out/$pkg/$extra"; fi; \
      done; \
    done; \
    find /out -name '*.tsbuildinfo' -delete; \
    find /out -name '*.test.js' -delete

# -------------------------------------------------------------- runtime ---
FROM ${RUNTIME_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM from `docker stop` to node (which then
# closes sockets, the database, and turns the beacon off) and reaps zombies
# such as an exited gpioset child. propwatch's own base has it already.
# A fixed uid/gid so volume ownership is predictable across rebuilds.
RUN set -eu; \
    if [ ! -x /usr/bin/tini ]; then \
      apt-get update; apt-get install -y --no-install-recommends tini; rm -rf /var/lib/apt/lists/*; \
    fi; \
    groupadd --system --gid 10001 propwatch; \
    useradd --system --uid 10001 --gid propwatch --home-dir /var/lib/propwatch --no-create-home \
      --shell /usr/sbin/nologin propwatch; \
    mkdir -p /var/lib/propwatch /etc/propwatch; \
    chown propwatch:propwatch /var/lib/propwatch
WORKDIR /app
# Code stays owned by root: the service user can read it, not change it.
COPY --from=collect /out /app
ENV NODE_ENV=production \
    PATH=/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER propwatch
# Writable state lives in /var/lib/propwatch (mount a volume there);
# configs go to /etc/propwatch (mount read-only).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "aggregator/dist/cli.js", "--help"]
# Last, so a new revision or date reuses every layer above. build-images.sh
# passes the git revision and time.
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="propwatch" \
      org.opencontainers.image.description="propwatch: how fast a DNS change reaches every POP of an anycast network" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# ------------------------------------------------------------------ sim ---
FROM runtime AS sim
# The sim listens on loopback unless told otherwise (PROPWATCH_ALLOW_NON_LOOPBACK=true
# with 0.0.0.0 addresses, as docker-compose.yml does on its private networks).
ENV PROPWATCH_API_PORT=8053 \
    PROPWATCH_DNS_PORT_BASE=5301
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "sim"]
CMD ["node", "sim/dist/cli.js"]
LABEL org.opencontainers.image.title="propwatch-sim"

# ---------------------------------------------------------------- probe ---
FROM runtime AS probe
# /metrics on loopback inside the container, for the healthcheck; set
# PROPWATCH_METRICS__HOST=0.0.0.0 to let Prometheus scrape it.
ENV PROPWATCH_STATE_DIR=/var/lib/propwatch/state \
    PROPWATCH_REPORT__SPOOL_DIR=/var/lib/propwatch/spool \
    PROPWATCH_METRICS__PORT=9100
# Unhealthy when no round finished for 300 s: above the default round
# (intervalMs 30 s, maxWaitMs 120 s). Raise it with longer rounds.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "probe", "300"]
CMD ["node", "probe/dist/cli.js"]
LABEL org.opencontainers.image.title="propwatch-probe"

# ------------------------------------------------------------- alarm-pi ---
FROM runtime AS alarm-pi
USER root
# gpioset (libgpiod) for the `gpioset` driver on Pi 5 / kernels without
# sysfs GPIO; the `gpio` (sysfs) and `console` drivers need nothing extra.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gpiod \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
USER propwatch
# The client rewrites this file after every status it gets (tmpfs: no SD
# card wear); unhealthy after 60 s without one.
ENV PROPWATCH_HEALTH_FILE=/dev/shm/propwatch-alarm.health
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "alarm-pi", "60"]
CMD ["node", "alarm-pi/dist/cli.js"]
LABEL org.opencontainers.image.title="propwatch-alarm-pi"

# ----------------------------------------------------------- aggregator ---
FROM runtime AS aggregator
ENV PROPWATCH_LISTEN__HOST=0.0.0.0 \
    PROPWATCH_LISTEN__PORT=8080 \
    PROPWATCH_STORAGE__PATH=/var/lib/propwatch/aggregator.db
EXPOSE 8080
# /healthz and /readyz (the database takes a write), on the port that
# PROPWATCH_LISTEN__PORT names: set the port by that variable, not only in a file.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "aggregator"]
CMD ["node", "aggregator/dist/cli.js"]
LABEL org.opencontainers.image.title="propwatch-aggregator"
