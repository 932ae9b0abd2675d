#!/usr/bin/env bash
# The global allocator compared (issue 17): builds `campus` three times — the system allocator
# (glibc), mimalloc and jemalloc (the default), each with `--no-default-features` and its
# feature — starts all three side by side on their own SQLite data directories, and measures,
# alternating between them so drift hits all alike: idle RSS, /healthz and /api/v1/me req/s
# (median of 3 wrk runs, 64 connections), logins/s during a 16-connection login flood
# (argon2id), the peak RSS of that flood and the RSS 5 s after it. The load generator shares
# the machine's cores with the servers.
#
#   scripts/bench-alloc.sh               # builds the three binaries (a release link each)
#   SKIP_BUILD=1 scripts/bench-alloc.sh  # reuses target/alloc/campus-{system,mimalloc,jemalloc}
#   DURATION=5 scripts/bench-alloc.sh    # seconds per wrk run (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
VARIANTS=(system mimalloc jemalloc)
OUT=target/alloc
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mkdir -p "$OUT"
  for v in "${VARIANTS[@]}"; do
    features=(--no-default-features)
    [ "$v" = system ] || features+=(--features "$v")
    cargo build --release --quiet -p campus "${features[@]}"
    cp target/release/campus "$OUT/campus-$v"
  done
fi

WORK=$(mktemp -d)
declare -A PID PORT
cleanup() {
  for v in "${VARIANTS[@]}"; do
    [ -n "${PID[$v]:-}" ] && kill "${PID[$v]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
mib() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }
wrk_rps() { # URL [wrk args...]: req/s
  local url=$1; shift
  wrk -t2 -c64 -d"${DURATION}s" "$@" "$url" | awk '/Requests\/sec/ {print $2}'
}
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

port=5180
for v in "${VARIANTS[@]}"; do
  bin="$OUT/campus-$v" data="$WORK/$v"
  "$bin" --data-dir "$data" migrate up >/dev/null
  echo 'Bench!pass1' | "$bin" --data-dir "$data" user create --role user --email bench@campus.test \
    --password-stdin >/dev/null
  PORT[$v]=$port
  # As in scripts/bench.sh: the production log level, rate limits off for the login flood.
  CAMPUS_LOG__FORMAT=json CAMPUS_AUTH__RATE_LIMITS__ENABLED=false \
    "$bin" --data-dir "$data" serve --port "$port" >"$WORK/$v.log" 2>&1 &
  PID[$v]=$!
  port=$((port + 1))
done
declare -A IDLE TOKEN
for v in "${VARIANTS[@]}"; do
  for _ in $(seq 1 400); do curl -fs -o /dev/null "http://127.0.0.1:${PORT[$v]}/readyz" && break; sleep 0.025; done
done
sleep 2
for v in "${VARIANTS[@]}"; do
  IDLE[$v]=$(rss_kb "${PID[$v]}" VmRSS)
  TOKEN[$v]=$(curl -fs -X POST -H 'content-type: application/json' \
    -d '{"login":"bench@campus.test","password":"Bench!pass1"}' "http://127.0.0.1:${PORT[$v]}/api/v1/auth/login" |
    sed -E 's/.*"access_token":"([^"]+)".*/\1/')
done

declare -A HEALTH ME
for round in 1 2 3; do
  for v in "${VARIANTS[@]}"; do
    HEALTH[$v]+="$(wrk_rps "http://127.0.0.1:${PORT[$v]}/healthz") "
    ME[$v]+="$(wrk_rps "http://127.0.0.1:${PORT[$v]}/api/v1/me" -H "Authorization: Bearer ${TOKEN[$v]}") "
  done
  echo "round $round of 3 done" >&2
done

declare -A LOGINS PEAK AFTER STEADY
for v in "${VARIANTS[@]}"; do
  STEADY[$v]=$(rss_kb "${PID[$v]}" VmRSS)
  LOGINS[$v]=$(wrk -t1 -c16 -d"${DURATION}s" -s scripts/wrk/login.lua "http://127.0.0.1:${PORT[$v]}/api/v1/auth/login" |
    awk '/Requests\/sec/ {print $2}')
  PEAK[$v]=$(rss_kb "${PID[$v]}" VmHWM)
  sleep 5
  AFTER[$v]=$(rss_kb "${PID[$v]}" VmRSS)
done

printf '\n%-10s %10s %12s %12s %11s %12s %12s %13s\n' allocator "idle MiB" "healthz r/s" "me r/s" \
  "after load" "logins/s" "flood peak" "5 s after"
for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  printf '%-10s %10s %12s %12s %11s %12s %12s %13s\n' "$v" "$(mib "${IDLE[$v]}")" \
    "$(median ${HEALTH[$v]})" "$(median ${ME[$v]})" "$(mib "${STEADY[$v]}")" "${LOGINS[$v]}" \
    "$(mib "${PEAK[$v]}")" "$(mib "${AFTER[$v]}")"
done
