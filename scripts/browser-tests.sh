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

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/debug/campus --data-dir "$data" serve --port "$port" >"$data/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$data/server.log" >&2; exit 1; }

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
