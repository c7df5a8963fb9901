#!/usr/bin/env bash
# Load test of webhook ingest: signed 2 KB JSON deliveries with unique
# delivery ids to one HMAC-SHA256 endpoint, 64 connections, with wrk (Debian
# package "wrk") on the same machine, against SQLite with synchronous=FULL
# and, when IHUB_TEST_DATABASE_URL is set, PostgreSQL. Per engine it first
# measures GET /healthz on the server as the baseline (the HTTP ceiling of
# this machine), then, after a 2 s warm-up, the ingest runs back to back.
# Every 2xx means the delivery was committed. It then stops ihub, syncs the
# disk, and loads scripts/refingest the same way: the minimal Go server the
# issue compares ingest with (HMAC check, dedupe, delivery and its queue row
# stored with group commit before the 202, nothing else), on the same
# database engine, as the reference measured in the same minutes.
# The project's own load command gives the same measurement:
#   ihub bench ingest --url http://127.0.0.1:8080 --token $TOKEN -c 64
#
# Before ingest, on the fresh server, it measures ingest-to-delivery latency
# with the project's load command at a steady RATE (default 1000/s):
#   ihub bench delivery --url http://127.0.0.1:8080 --token $TOKEN --rate 1000
#
#   scripts/bench-ingest.sh                 # 3 runs of 10 s each
#   RUNS=5 DURATION=20s CONNS=64 RATE=1000 scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
PORT=${PORT:-18082}
RATE=${RATE:-1000}
work=$(mktemp -d)
bin=$work/ihub
go build -o "$bin" ./cmd/ihub
go build -o "$work/refingest" ./scripts/refingest
server_pid=
ref_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "$ref_pid" ] && kill "$ref_pid" 2>/dev/null; rm -rf "$work"' EXIT

secret=bench-ingest-secret-0123456789
# A fixed signed body; the delivery id header (not signed by this scheme)
# changes on every request, so every delivery is new.
python3 - "$secret" > "$work/ingest.lua" <<'EOF'
import sys, hmac, hashlib
secret = sys.argv[1].encode()
body = '{"type":"bench.event","id":"x","data":{"padding":"' + 'x' * 1990 + '"}}'
sig = 'sha256=' + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
print('wrk.method = "POST"')
print('wrk.body = [[' + body + ']]')
print('wrk.headers["Content-Type"] = "application/json"')
print('wrk.headers["X-Signature"] = "' + sig + '"')
print('local n, tid, h = 0, "", {}')
print('init = function(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)); '
      'tid = tostring(math.random(1, 1e9)); for k, v in pairs(wrk.headers) do h[k] = v end end')
print('request = function() n = n + 1; h["X-Delivery-Id"] = tid .. "-" .. n; return wrk.format(nil, nil, h) end')
EOF

# load runs wrk with the ingest script against a URL and sets rps, p50, p99
# and bad (non-2xx responses).
load() {
  local out; out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$work/ingest.lua" "$1")
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/{print $5}'); bad=${bad:-0}
}

# series runs a 2 s warm-up, then RUNS loads of a URL back to back, printing
# each as "run N: <label> ..." and setting median (webhooks/s).
series() { # label url
  local rates=() i
  wrk -t2 -c"$CONNS" -d2s -s "$work/ingest.lua" "$2" >/dev/null
  for i in $(seq 1 "$RUNS"); do
    load "$2"
    echo "run $i: $1 $rps webhooks/s, p50 $p50, p99 $p99, non-2xx $bad"
    rates+=("$rps")
  done
  median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
}

bench() { # name [reference database URL]
  local name=$1 refdb=${2:-} dir; dir=$(mktemp -d -p "$work")
  export IHUB_DATA_DIR=$dir IHUB_LOG_LEVEL=warn
  echo "a long benchmark password" | "$bin" users create --email bench@example.com --role super_admin --password-stdin 2>/dev/null
  local tok; tok=$("$bin" tokens create --email bench@example.com --name bench 2>/dev/null)
  "$bin" serve --listen "127.0.0.1:$PORT" --sqlite-synchronous FULL >"$dir/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local api="http://127.0.0.1:$PORT/api/v1"
  local it ep
  it=$(curl -fs -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d '{"name":"bench","provider":"http","baseUrl":"https://bench.invalid","isActive":false}' "$api/integrations" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  ep=$(curl -fs -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d "{\"scheme\":\"hmac\",\"secret\":\"$secret\",\"settings\":{\"algorithm\":\"sha256\",\"header\":\"X-Signature\",\"encoding\":\"hex\",\"prefix\":\"sha256=\",\"deliveryIdHeader\":\"X-Delivery-Id\"}}" \
    "$api/integrations/$it/webhooks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  echo "== $name: ingest-to-delivery, $RATE webhooks/s to a local HTTP subscriber, $DURATION x $RUNS"
  for i in $(seq 1 "$RUNS"); do
    echo "run $i: $("$bin" bench delivery --url "http://127.0.0.1:$PORT" --token "$tok" --rate "$RATE" --duration "$DURATION")"
  done
  # Each server's runs go back to back, after a warm-up, with the other
  # server stopped and the disk synced in between: interleaved, each
  # server's runs paid for the other's writeback (both servers, and the
  # reference more, lost a third of their rate from the second run on).
  local hook="$api/hooks/$ep"
  echo "== $name: POST /api/v1/hooks/$ep, 2 KB signed JSON, $CONNS connections, $DURATION x $RUNS"
  local base; base=$(wrk -t2 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/healthz" | awk '/Requests\/sec/{print $2}')
  echo "baseline: GET /healthz $base req/s"
  sync
  series ingest "$hook"; local m=$median
  kill "$server_pid"; wait "$server_pid" || true; server_pid=
  sync
  REFINGEST_DIR=$dir REFINGEST_DATABASE_URL=$refdb REFINGEST_LISTEN=127.0.0.1:$((PORT+1)) \
    "$work/refingest" "$secret" 2>"$dir/refingest.log" &
  ref_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$((PORT+1))/hook" && break; sleep 0.1; done
  echo "== $name: the reference server (scripts/refingest), the same load"
  series reference "http://127.0.0.1:$((PORT+1))/hook"; local r=$median
  kill "$ref_pid"; wait "$ref_pid" || true; ref_pid=
  echo "== $name: median ihub $m webhooks/s, median reference $r: ihub at $(awk -v a="$m" -v b="$r" 'BEGIN{printf "%.0f", 100*a/b}') %"
  # The SQLite files of both servers (gigabytes) would otherwise still be
  # in the page cache, dirty, and written back by the kernel during the
  # next engine's runs: deleted, they are dropped unwritten; sync flushes
  # what is left, so that each engine is measured on a quiet disk.
  rm -rf "$dir"
  sync
}

bench sqlite-full
if [ -n "${IHUB_TEST_DATABASE_URL:-}" ]; then
  db="ihub_bench_$$"
  psql "$IHUB_TEST_DATABASE_URL" -qc "CREATE DATABASE $db"
  url=$(python3 -c 'import sys,urllib.parse as u;p=u.urlparse(sys.argv[1]);print(p._replace(path="/"+sys.argv[2]).geturl())' "$IHUB_TEST_DATABASE_URL" "$db")
  export IHUB_MASTER_KEY; IHUB_MASTER_KEY=$("$bin" keys generate)
  refdb="ihub_bench_ref_$$"
  psql "$IHUB_TEST_DATABASE_URL" -qc "CREATE DATABASE $refdb"
  refurl=$(python3 -c 'import sys,urllib.parse as u;p=u.urlparse(sys.argv[1]);print(p._replace(path="/"+sys.argv[2]).geturl())' "$IHUB_TEST_DATABASE_URL" "$refdb")
  IHUB_DATABASE_URL=$url bench postgres "$refurl"
  psql "$IHUB_TEST_DATABASE_URL" -qc "DROP DATABASE $db WITH (FORCE)"
  psql "$IHUB_TEST_DATABASE_URL" -qc "DROP DATABASE $refdb WITH (FORCE)"
fi
