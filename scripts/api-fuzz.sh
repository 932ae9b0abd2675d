#!/usr/bin/env bash
# Schema-conformance fuzzing: Schemathesis (PyPI, pinned, in a venv under target/) against a
# freshly started debug server on SQLite, with an administrator's token, time-boxed.
#
#   scripts/api-fuzz.sh [SECONDS]      (default 180; API_FUZZ_SECONDS also sets it)
#
# Checks: not_a_server_error, status_code_conformance, content_type_conformance,
# response_schema_conformance, response_headers_conformance. Zero failures required.
# Operations that end the token they run with (logout, logout-all, password change) are
# fuzzed in a second run, each request with a fresh throwaway account's token (Schemathesis
# asks scripts/api_fuzz_hooks.py for one). The report (JUnit + a pytest file reproducing any
# failure) and the server log land in target/api-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${API_FUZZ_SECONDS:-180}}
version=4.32.5
venv=target/schemathesis-venv
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
cargo build --locked -q -p campus

out="$PWD/target/api-fuzz"
rm -rf "$out"
mkdir -p "$out"
data=$(mktemp -d)
. scripts/lib.sh
port=$(free_port)
base="http://127.0.0.1:$port"
# Rate limits are tested by the HTTP suite; here they would only turn generated requests into
# 429s and hide what is behind them.
export CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_IP_PER_MINUTE=1000000
export CAMPUS_AUTH__RATE_LIMITS__LOGIN_PER_ACCOUNT_PER_MINUTE=1000000
export CAMPUS_AUTH__RATE_LIMITS__REGISTER_PER_IP_PER_HOUR=1000000
export CAMPUS_AUTH__RATE_LIMITS__REFRESH_PER_IP_PER_MINUTE=1000000
export CAMPUS_LOG__FILTER=warn
campus() { target/debug/campus --data-dir "$data" "$@"; }
campus migrate up >/dev/null
campus seed --demo >/dev/null
printf 'Fuzz-Admin-Pass-1!\n' | campus user create --role admin --username fuzzadmin --password-stdin >/dev/null
start_campus "$data" "$port" "$out/server.log"

token=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"fuzzadmin","password":"Fuzz-Admin-Pass-1!"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
# Ends the token that makes the request, or the account behind it (or another administrator's).
enders='^/api/v1/(auth/logout(-all)?|me/password|users/\{id\}(/deactivate)?)$'
status=0
run() { # run NAME SECONDS ARGS...
  local name=$1 secs=$2; shift 2
  echo "== schemathesis: $name (${secs}s)"
  "$venv/bin/st" run "$base/api/openapi.json" --checks "$checks" --max-time "$secs" \
    --workers 1 --request-timeout 10 --seed 20261130 --suppress-health-check all \
    --report junit,pytest --report-dir "$out/$name" "$@" || status=1
}
run v1 "$seconds" -H "Authorization: Bearer $token" --include-path-regex '^/api/v1' --exclude-path-regex "$enders"
API_FUZZ_BASE=$base API_FUZZ_CLI="[\"$PWD/target/debug/campus\", \"--data-dir\", \"$data\"]" \
  PYTHONPATH=scripts SCHEMATHESIS_HOOKS=api_fuzz_hooks run v1-enders 30 --include-path-regex "$enders"
# The seed facades' documented routes, once, with the same administrator.
run facades "$((seconds / 3))" -H "Authorization: Bearer $token" --exclude-path-regex '^/api/(v1|logout$)'
if grep -q 'panicked' "$out/server.log"; then
  echo "error: the server panicked during fuzzing (target/api-fuzz/server.log)" >&2
  status=1
fi
exit "$status"
