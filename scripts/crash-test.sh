#!/usr/bin/env bash
# Crash consistency under kill -9 (scripts/crash_test.py) on SQLite and, when
# CAMPUS_TEST_POSTGRES_URL names a server, on a fresh PostgreSQL database.
#
#   scripts/crash-test.sh [ROUNDS]     (default 10 per backend)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
cargo build --locked -q -p campus
status=0
python3 scripts/crash_test.py --binary target/debug/campus --backend sqlite --rounds "$rounds" || status=1
if [ -n "${CAMPUS_TEST_POSTGRES_URL:-}" ]; then
  name="campus_crash_$$_$RANDOM"
  admin=$CAMPUS_TEST_POSTGRES_URL
  psql "$admin" -qc "create database $name"
  trap 'psql "$admin" -qc "drop database if exists $name with (force)" >/dev/null' EXIT
  python3 scripts/crash_test.py --binary target/debug/campus --backend postgres --rounds "$rounds" \
    --database-url "${admin%/*}/$name" || status=1
else
  echo "CAMPUS_TEST_POSTGRES_URL is not set: PostgreSQL skipped" >&2
fi
exit "$status"
