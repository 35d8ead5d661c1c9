# syntax=docker/dockerfile:1
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
#
# With the generic image: `docker run propwatch node probe/dist/cli.js --config …`
# (aggregator/dist/cli.js, sim/dist/cli.js, alarm-pi/dist/cli.js likewise).
# A plain `docker build .` builds the last stage, the aggregator.
# Multi-arch: the base image exists for amd64 and arm64, so the same file
# builds the alarm-pi image on a Raspberry Pi (or with buildx --platform).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build ---
FROM ${NODE_IMAGE} AS build
# better-sqlite3 (aggregator) and epoll (onoff, alarm-pi) are native addons:
# npm ci compiles them with node-gyp when no prebuilt binary fits.
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
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund
# Collect what runs: manifests, node_modules (the @propwatch/* entries are
# symlinks to the workspace folders, kept as such), each package's dist/ and
# the aggregator's dashboard files. No sources, tests or dev tools.
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    cp -a node_modules /out/node_modules; \
    for pkg in shared dns sim probe aggregator alarm-pi; do \
      mkdir -p "/out/$pkg"; \
      cp "$pkg/package.json" "/out/$pkg/"; \
      cp -a "$pkg/dist" "/out/$pkg/dist"; \
      for extra in public node_modules; do \
        if [ -e "$pkg/$extra" ]; then cp -a "$pkg/$extra" "/out/$pkg/$extra"; fi; \
      done; \
    done; \
    find /out -name '*.tsbuildinfo' -delete

# -------------------------------------------------------------- runtime ---
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM from `docker stop` to node (which then
# closes sockets, the database, and turns the beacon off) and reaps zombies
# such as an exited gpioset child.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid so volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 propwatch \
 && useradd --system --uid 10001 --gid propwatch --home-dir /var/lib/propwatch --no-create-home --shell /usr/sbin/nologin propwatch \
 && mkdir -p /var/lib/propwatch /etc/propwatch \
 && chown propwatch:propwatch /var/lib/propwatch
WORKDIR /app
# Code stays owned by root: the service user can read it, not change it.
COPY --from=build /out /app
ENV NODE_ENV=production
USER propwatch
# Writable state lives in /var/lib/propwatch (mount a volume there);
# configs go to /etc/propwatch (mount read-only).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "aggregator/dist/cli.js", "--help"]

# ------------------------------------------------------------------ sim ---
FROM runtime AS sim
# The sim listens on loopback only (by design): containers that use it must
# share its network namespace (docker-compose.yml: network_mode "service:sim").
CMD ["node", "sim/dist/cli.js"]

# ---------------------------------------------------------------- probe ---
FROM runtime AS probe
ENV PROPWATCH_STATE_DIR=/var/lib/propwatch/state \
    PROPWATCH_REPORT__SPOOL_DIR=/var/lib/propwatch/spool
CMD ["node", "probe/dist/cli.js"]

# ------------------------------------------------------------- alarm-pi ---
FROM runtime AS alarm-pi
USER root
# gpioset (libgpiod) for the `gpioset` driver on Pi 5 / kernels without
# sysfs GPIO; the `gpio` (sysfs) and `console` drivers need nothing extra.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gpiod \
 && rm -rf /var/lib/apt/lists/*
USER propwatch
CMD ["node", "alarm-pi/dist/cli.js"]

# ----------------------------------------------------------- aggregator ---
FROM runtime AS aggregator
ENV PROPWATCH_LISTEN__HOST=0.0.0.0 \
    PROPWATCH_LISTEN__PORT=8080 \
    PROPWATCH_STORAGE__PATH=/var/lib/propwatch/aggregator.db
EXPOSE 8080
# Liveness through node's own fetch (no curl in the image). It follows
# PROPWATCH_LISTEN__PORT; set the port by that variable, not only in a file.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PROPWATCH_LISTEN__PORT || '8080') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "aggregator/dist/cli.js"]
