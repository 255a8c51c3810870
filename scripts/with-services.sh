#!/usr/bin/env bash
# scripts/with-services.sh - make sure the shared PostgreSQL and Redis test instances are up,
# then run a command with the project environment (scripts/env.sh) in place:
#
#     scripts/with-services.sh pnpm test
#     scripts/with-services.sh pnpm vitest run packages/runtime
#
# Installs nothing beyond what the services step of setup-toolchain.sh installs (PostgreSQL
# and Redis from Debian, when missing); run scripts/setup-toolchain.sh once for the rest.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
(($#)) || { echo "usage: ${0##*/} COMMAND [ARGS...]" >&2; exit 2; }
bash "$ROOT/scripts/setup-toolchain.sh" services
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
exec "$@"
