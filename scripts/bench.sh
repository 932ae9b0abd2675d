#!/usr/bin/env bash
# Campus benchmarks: builds release, starts the server on SQLite in a scratch data directory,
# and drives it with wrk on loopback (64 connections, bounded duration). Prints req/s, p50
# and p99 per endpoint, idle RSS and start-up time. The load generator shares the machine's
# cores with the server: compare figures from one run with each other, not across machines.
#
#   scripts/bench.sh            # all benchmarks
#   DURATION=5 scripts/bench.sh # shorter runs
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-5077}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }

cargo build --release --quiet -p campus
BIN=target/release/campus
WORK=$(mktemp -d)
trap 'stop_server; rm -rf "$WORK"' EXIT

SERVER_PID=""
start_server() {
  CAMPUS_LOG__FORMAT=json CAMPUS_LOG__FILTER=warn "$BIN" --data-dir "$WORK/data" serve --port "$PORT" \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
}
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
wait_ready() { # prints milliseconds until the first 200 on /readyz
  local start=$1
  for _ in $(seq 1 2000); do
    if curl -fs -o /dev/null "$BASE/readyz"; then
      echo $(( ($(date +%s%N) - start) / 1000000 )); return 0
    fi
    sleep 0.005
  done
  echo "server did not become ready; log:" >&2; cat "$WORK/server.log" >&2; return 1
}

# First start creates the database; the measured start uses the existing one.
start_server; wait_ready "$(date +%s%N)" >/dev/null; stop_server
t0=$(date +%s%N); start_server; STARTUP_MS=$(wait_ready "$t0")
sleep 1
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

printf '%-34s %12s %10s %10s %8s\n' endpoint req/s p50 p99 errors
# bench NAME PATH [extra wrk args...]
bench() {
  local name=$1 path=$2; shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$BASE$path")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses/ {print $5} /Socket errors/ {print "sock:" $4 $6 $8 $10}' <<<"$out" | paste -sd' ')
  printf '%-34s %12s %10s %10s %8s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

bench "GET /healthz" /healthz
bench "GET /readyz" /readyz

echo
echo "idle RSS after start: $((RSS_KB / 1024)) MiB ($RSS_KB KiB)"
echo "start to first 200 on /readyz (existing database): ${STARTUP_MS} ms"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
