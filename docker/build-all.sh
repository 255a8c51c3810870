#!/usr/bin/env bash
# docker/build-all.sh - build the image of every server under servers/ (one per folder with a
# package.json; nothing here names them), tagged mcp-platform/<name>:<version>, where <version> is
# that server's package.json "version" (what serverInfo.version reports and contract.json records).
#
#   docker/build-all.sh [NAME...]          # all servers, or only the named ones
#
# Engine: $CONTAINER_ENGINE (podman or docker) if set; else podman through
# shared/tools/container-sandbox.sh when that script is beside the repository (this machine
# kind: rootful podman, no registry, locally built base image); else podman or docker if an
# engine answers. The builds share every layer up to the shared packages, so the first image
# pays for `pnpm fetch` and the others reuse it.
#
# Environment (all optional):
#   VERSION     image tag and org.opencontainers.image.version for every server built
#               (default: each server's own servers/<name>/package.json version)
#   REVISION    org.opencontainers.image.revision (default: git HEAD, "+dirty" when the tree is)
#   SOURCE      org.opencontainers.image.source   (default: the Dockerfile's)
#   IMAGE_PREFIX  repository prefix               (default: mcp-platform/)
#   NODE_IMAGE  base image reference, e.g. pinned by digest in a registry-connected build
#   BUILD_NPMRC npmrc for registry access during the build (passed to container-sandbox.sh)
#   BUILD_REPORT file to append "name<TAB>image<TAB>seconds" lines to
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
SANDBOX=${CONTAINER_SANDBOX:-$(cd -- "$ROOT/.." && pwd)/shared/tools/container-sandbox.sh}
PREFIX=${IMAGE_PREFIX:-mcp-platform/}

log() { printf '[build-all %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[build-all] ERROR: %s\n' "$*" >&2; exit 1; }

# The server's release version: servers/<name>/package.json "version", unless VERSION overrides it.
server_version() {
  local v=${VERSION:-$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$ROOT/servers/$1/package.json" | head -n1)}
  [[ -n $v ]] || die "servers/$1/package.json has no \"version\" (and VERSION is not set)"
  printf '%s' "$v"
}
if [[ -z ${REVISION:-} ]]; then
  REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] || REVISION="$REVISION+dirty"
fi
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$ROOT/package.json")
[[ -n $pnpm_version ]] || die "package.json has no \"packageManager\": \"pnpm@x.y.z\""

# ---------------------------------------------------------------- which servers
servers=()
if (($#)); then
  for name in "$@"; do
    [[ -f $ROOT/servers/$name/package.json ]] || die "servers/$name/package.json not found"
    servers+=("$name")
  done
else
  for manifest in "$ROOT"/servers/*/package.json; do
    [[ -f $manifest ]] || continue
    servers+=("$(basename "$(dirname "$manifest")")")
  done
fi
((${#servers[@]})) || die "no servers/*/package.json found"

# ---------------------------------------------------------------- which engine
engine=${CONTAINER_ENGINE:-}
use_sandbox=0
if [[ -z $engine || $engine == podman ]] && [[ -f $SANDBOX ]] && command -v podman >/dev/null && [[ $(id -u) -eq 0 ]]; then
  engine=podman use_sandbox=1
elif [[ -z $engine ]]; then
  for candidate in podman docker; do
    if command -v "$candidate" >/dev/null && "$candidate" info >/dev/null 2>&1; then engine=$candidate; break; fi
  done
fi
[[ -n $engine ]] || die "no container engine: install podman (or run $SANDBOX setup) or docker, or set CONTAINER_ENGINE"

build_args=(
  --build-arg "PNPM_VERSION=$pnpm_version"
  --build-arg "REVISION=$REVISION"
)
[[ -z ${SOURCE:-} ]] || build_args+=(--build-arg "SOURCE=$SOURCE")
[[ -z ${NODE_IMAGE:-} ]] || build_args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")

build() { # build TAG [PODMAN-BUILD-ARGS...]
  local tag=$1; shift
  if ((use_sandbox)); then
    bash "$SANDBOX" build "$ROOT" "$tag" "$ROOT/docker/Dockerfile" "$@" "${build_args[@]}"
  else
    # podman: never pull (the base may exist only locally), docker format keeps HEALTHCHECK.
    local engine_args=(); [[ $engine != podman ]] || engine_args=(--pull=never --format docker)
    "$engine" build "${engine_args[@]}" -f "$ROOT/docker/Dockerfile" -t "$tag" "$@" "${build_args[@]}" "$ROOT" >&2
  fi
}

# Builds hold this machine-wide lock shared; a clean-up that prunes untagged images (the layer
# cache builds reuse, old ones included) holds it exclusively, so it never removes a layer from under
# a build (podman: "getting top layer info: layer not known"). test/deploy/containers.test.ts prunes.
if command -v flock >/dev/null; then
  exec {image_lock}>"${MCP_IMAGE_LOCK:-${TMPDIR:-/tmp}/mcp-platform-images.lock}"
  flock -s "$image_lock"
fi

# The dependency download (keyed on pnpm-lock.yaml) under a tag of its own, so that cleaning
# up untagged images never throws it away.
build "${PREFIX}build-cache:fetch" --target fetch

log "building ${#servers[@]} image(s) with $engine$( ((use_sandbox)) && echo " via $(basename "$SANDBOX")"): ${servers[*]}"
t_all=$SECONDS
for name in "${servers[@]}"; do
  version=$(server_version "$name")
  tag="$PREFIX$name:$version"
  t0=$SECONDS
  build "$tag" --build-arg "SERVER=$name" --build-arg "VERSION=$version"
  log "$tag built in $((SECONDS - t0))s"
  [[ -z ${BUILD_REPORT:-} ]] || printf '%s\t%s\t%s\n' "$name" "$tag" "$((SECONDS - t0))" >>"$BUILD_REPORT"
done
log "all ${#servers[@]} image(s) built in $((SECONDS - t_all))s"
