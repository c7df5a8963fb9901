#!/usr/bin/env bash
# Load test of GET /api/v1/integrations: 10,000 integrations, a page of 50
# filtered by provider, 32 concurrent connections, with wrk (Debian package
# "wrk") on the same machine. Runs SQLite, then PostgreSQL when
# IHUB_TEST_DATABASE_URL points at a server (a fresh database is created).
#
#   scripts/bench-http.sh                 # defaults: 3 runs of 10 s each
#   RUNS=5 DURATION=20s scripts/bench-http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
N=${N:-10000}
PORT=${PORT:-18080}
bin=$(mktemp -d)/ihub
go build -o "$bin" ./cmd/ihub

server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT

bench() { # name, extra env...
  local name=$1; shift
  local dir; dir=$(mktemp -d)
  export IHUB_DATA_DIR=$dir IHUB_LOG_LEVEL=${IHUB_LOG_LEVEL:-warn}
  echo "a long benchmark password" | "$bin" users create --email bench@example.com --role super_admin --password-stdin 2>/dev/null
  local tok; tok=$("$bin" tokens create --email bench@example.com --name bench 2>/dev/null)
  "$bin" dev seed --integrations "$N"
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "port $PORT is already in use (set PORT=...)"; exit 1
  fi
  "$bin" serve --listen "127.0.0.1:$PORT" >"$dir/serve.log" 2>&1 &
  server_pid=$!
  local pid=$server_pid
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local url="http://127.0.0.1:$PORT/api/v1/integrations?provider=github&limit=50"
  curl -fs -H "Authorization: Bearer $tok" "$url" | head -c 200; echo
  echo "== $name: GET $url, 32 connections, $DURATION x $RUNS (each run: baseline GET /healthz, then the list)"
  for i in $(seq 1 "$RUNS"); do
    base=$(wrk -t2 -c32 -d"$DURATION" "http://127.0.0.1:$PORT/healthz" | awk '/Requests\/sec/{print $2}')
    out=$(wrk -t2 -c32 -d"$DURATION" --latency -H "Authorization: Bearer $tok" "$url")
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    echo "run $i: list $rps req/s, p50 $p50, p99 $p99 (baseline /healthz $base req/s)"
  done
  kill "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

bench sqlite
if [ -n "${IHUB_TEST_DATABASE_URL:-}" ]; then
  db="ihub_bench_$$"
  psql "$IHUB_TEST_DATABASE_URL" -qc "CREATE DATABASE $db"
  url=$(python3 -c 'import sys,urllib.parse as u;p=u.urlparse(sys.argv[1]);print(p._replace(path="/"+sys.argv[2]).geturl())' "$IHUB_TEST_DATABASE_URL" "$db")
  export IHUB_MASTER_KEY; IHUB_MASTER_KEY=$("$bin" keys generate)
  IHUB_DATABASE_URL=$url bench postgres
  psql "$IHUB_TEST_DATABASE_URL" -qc "DROP DATABASE $db WITH (FORCE)"
fi
