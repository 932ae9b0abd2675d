#!/usr/bin/env bash
# Scale-out benchmark (called by scripts/bench.sh unless SKIP_CLUSTER=1; runnable alone):
# three release instances behind HAProxy (deploy/haproxy.cfg) over PostgreSQL and a private
# Redis, against one instance answering directly, in one run. All share this machine's cores
# with PostgreSQL, Redis, HAProxy and wrk: the ratio says what the extra hop and the shared
# cores cost here, not what three hosts would give.
#
#   scripts/bench-cluster.sh     (CAMPUS_TEST_POSTGRES_URL names the server; default local)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
admin=${CAMPUS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
for tool in haproxy redis-server psql wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench-cluster: $tool is not installed" >&2; exit 1; }
done
cargo build --release --quiet -p campus
BIN=target/release/campus
WORK=$(mktemp -d)
name="campus_bench_$$_$RANDOM"
psql "$admin" -qc "create database $name"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$admin" -qc "drop database if exists $name with (force)" >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
PIDS+=($!)
export CAMPUS_DATABASE__URL="${admin%/*}/$name" CAMPUS_AUTH__JWT_SECRET=bench-cluster-secret-0123456789abcdefghij \
  CAMPUS_REDIS__URL="redis://127.0.0.1:$REDIS_PORT" CAMPUS_SERVER__TRUSTED_PROXIES=1 CAMPUS_LOG__FILTER=warn \
  CAMPUS_LOG__FORMAT=json CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_IP_PER_MINUTE=100000000 \
  CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_ACCOUNT_PER_MINUTE=100000000 CAMPUS_AUTH__ACCESS_TTL_SECS=3600
"$BIN" --data-dir "$WORK" migrate up >/dev/null
echo 'Bench!pass1' | "$BIN" --data-dir "$WORK" user create --role admin --username benchadmin --password-stdin >/dev/null
echo 'Bench!pass1' | "$BIN" --data-dir "$WORK" user create --role parent --username benchparent --password-stdin >/dev/null
PORTS=()
for i in 1 2 3; do
  port=$(free_port); PORTS+=("$port")
  mkdir -p "$WORK/i$i"
  "$BIN" --data-dir "$WORK/i$i" serve --port "$port" >"$WORK/i$i.log" 2>&1 &
  PIDS+=($!)
done
FIRST_PID=${PIDS[1]}
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 600); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.05; done
done
LB_PORT=$(free_port)
CAMPUS_LB_BIND="127.0.0.1:$LB_PORT" CAMPUS_LB_STATS="$WORK/haproxy.sock" CAMPUS1_ADDR="127.0.0.1:${PORTS[0]}" \
  CAMPUS2_ADDR="127.0.0.1:${PORTS[1]}" CAMPUS3_ADDR="127.0.0.1:${PORTS[2]}" \
  haproxy -db -f deploy/haproxy.cfg >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
sleep 2
DIRECT="http://127.0.0.1:${PORTS[0]}"
LB="http://127.0.0.1:$LB_PORT"
login() { curl -fs -X POST -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"Bench!pass1\"}" \
  "$DIRECT/api/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'; }
TOKEN=$(login benchadmin)
PARENT=$(login benchparent)
curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"value":"benchmark value"}' "$DIRECT/api/v1/kv/bench"

printf '%-44s %12s %10s %10s %8s\n' endpoint req/s p50 p99 errors
bench() { # NAME URL [wrk args]
  local name=$1 url=$2; shift 2
  local out; out=$(wrk -t2 -c64 -d"${DURATION}s" --latency "$@" "$url")
  printf '%-44s %12s %10s %10s %8s\n' "$name" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx or 3xx responses/ {print $5} /Socket errors/ {print "sock"}' <<<"$out" | paste -sd' ')"
}
for target in direct lb; do
  url=$DIRECT; label="1 instance, direct"
  [ "$target" = lb ] && { url=$LB; label="3 instances via HAProxy"; }
  bench "GET /api/v1/me ($label)" "$url/api/v1/me" -H "Authorization: Bearer $TOKEN"
  bench "GET /api/v1/kv/bench ($label)" "$url/api/v1/kv/bench" -H "Authorization: Bearer $TOKEN"
  out=$(wrk -t1 -c16 -d"${DURATION}s" --latency -s scripts/wrk/cluster_login.lua "$url/api/v1/auth/login")
  printf '%-44s %12s %10s %10s\n' "POST login, Redis limits ($label)" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
done
echo
PARENT_ID=$(curl -fs -H "Authorization: Bearer $PARENT" "$DIRECT/api/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 scripts/bench_sse.py --port "${PORTS[0]}" --pid "$FIRST_PID" --token "$PARENT" --user-id "$PARENT_ID" \
  --staff-token "$TOKEN" --idle "${SSE_IDLE:-2000}" --fanout "${SSE_FANOUT:-500}"
echo "machine: $(nproc) cores shared by 3 instances, PostgreSQL, Redis, HAProxy and the load generator"
