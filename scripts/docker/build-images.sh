#!/usr/bin/env bash
# Builds the propwatch images where no image registry is reachable: the base
# image from packages first (scripts/docker/build-base-image.sh, reused when
# up to date), then one `docker build` per target on top of it, tagged as
# docker-compose.yml names them:
#
#   propwatch-sim:latest  propwatch-probe:latest  propwatch-aggregator:latest
#   propwatch-alarm-pi:latest                     (and propwatch-test:latest: target test)
#
#   scripts/docker/build-images.sh [TARGET...]    # default: sim probe aggregator alarm-pi
#   docker-compose up --no-build                  # then run the stack from these images
#
# With registry access `docker compose build` is enough (official node base).
# Builds use the host's network (`--network host`): a dockerd started with
# --iptables=false gives build containers no NAT to the npm registry and the
# Debian mirror. CAs in /usr/local/share/ca-certificates (a TLS-intercepting
# proxy's, say) are trusted by the build stage's npm ci. NODE_IMAGE overrides
# the base of every stage, RUNTIME_IMAGE that of the components.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sim probe aggregator alarm-pi)
for target in "${targets[@]}"; do
  grep -qE "^FROM \S+ AS $target\$" Dockerfile || {
    echo "build-images: '$target' is not a stage of the Dockerfile" >&2
    exit 2
  }
done

node_image=${NODE_IMAGE:-propwatch/node:22-bookworm}
runtime_image=${RUNTIME_IMAGE:-${NODE_IMAGE:-propwatch/node:22-bookworm-runtime}}
if [ -z "${NODE_IMAGE:-}" ]; then scripts/docker/build-base-image.sh; fi

extra_ca=""
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] && extra_ca+="$(cat "$crt")"$'\n'
done
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
version=$(node -p 'require("./package.json").version')
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)

log=$(mktemp /tmp/propwatch-build.XXXXXX)
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
  started=$(date +%s)
  if ! docker build --network host \
    --build-arg NODE_IMAGE="$node_image" --build-arg RUNTIME_IMAGE="$runtime_image" \
    --build-arg EXTRA_CA_CERTS="$extra_ca" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg CREATED="$created" \
    --target "$target" --tag "propwatch-$target:latest" . >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "build-images: docker build --target $target failed (last lines above)" >&2
    exit 1
  fi
  size=$(docker image inspect -f '{{.Size}}' "propwatch-$target:latest")
  echo "build-images: propwatch-$target:latest $((size / 1000000)) MB ($(($(date +%s) - started)) s)"
done
