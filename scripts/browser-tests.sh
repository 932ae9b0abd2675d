#!/usr/bin/env bash
# Browser tests: builds campus, serves it on SQLite in a temporary data directory, and runs
# tests/browser in Debian's headless Chromium through playwright-core (installed from the
# lockfile; no browser download). Screenshots land in target/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "error: $CHROMIUM not found; install Debian's chromium and chromium-driver packages" >&2
  exit 1
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
cargo build --locked -q -p campus

. scripts/lib.sh
data=$(mktemp -d)
port=$(free_port)
# The portal walks sign in many times from one address and use the demo accounts.
export CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_IP_PER_MINUTE=1000
export CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_ACCOUNT_PER_MINUTE=1000
target/debug/campus --data-dir "$data" seed --demo >/dev/null
start_campus "$data" "$port" "$data/server.log"

artifacts="$PWD/target/browser-artifacts"
rm -rf "$artifacts"
mkdir -p "$artifacts"
set +e
(cd tests/browser && CAMPUS_URL="http://127.0.0.1:$port" ARTIFACTS_DIR="$artifacts" CHROMIUM="$CHROMIUM" npm test --silent)
status=$?
set -e
cp "$data/server.log" "$artifacts/server.log"
echo "screenshots and the server log: $artifacts"
exit "$status"
