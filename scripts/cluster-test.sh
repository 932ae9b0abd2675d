#!/usr/bin/env bash
# The cluster test (scripts/cluster_test.py): three instances behind HAProxy over a fresh
# PostgreSQL database, a private Redis and the S3 test server (CAMPUS_TEST_S3_*; a shared local
# directory when unset). Needs haproxy and redis-server on PATH (.ci/run installs haproxy).
#
#   scripts/cluster-test.sh          (CAMPUS_TEST_POSTGRES_URL names the server; default local)
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${CAMPUS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
for tool in haproxy redis-server psql; do
  command -v "$tool" >/dev/null || { echo "cluster test: $tool is not installed" >&2; exit 1; }
done
cargo build --locked -q -p campus
name="campus_cluster_$$_$RANDOM"
psql "$admin" -qc "create database $name"
trap 'psql "$admin" -qc "drop database if exists $name with (force)" >/dev/null' EXIT
python3 scripts/cluster_test.py --binary target/debug/campus --database-url "${admin%/*}/$name"
