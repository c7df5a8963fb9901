#!/usr/bin/env bash
# Load test of the credential-injecting proxy. Starts `ihub serve --demo`
# and compares, in the same run, a direct call to the demo's generic HTTP
# fake (GET /items with its bearer token), the same call through Go's own
# httputil.ReverseProxy with a tuned transport (scripts/refproxy, the
# reference point), and through /api/v1/integrations/demo-http/proxy/items
# (ihub adds the token):
#   - throughput with 64 connections (wrk -c64),
#   - latency with one connection (wrk -c1), from which the proxy's added
#     p50 is the difference of the two p50s.
# wrk (Debian package "wrk") runs on the same machine.
#
#   scripts/bench-proxy.sh                  # 3 runs of 10 s each
#   RUNS=5 DURATION=20s scripts/bench-proxy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PORT=${PORT:-18081}
work=$(mktemp -d)
bin=$work/ihub
go build -o "$bin" ./cmd/ihub
go build -o "$work/refproxy" ./scripts/refproxy

server_pid=
ref_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "$ref_pid" ] && kill "$ref_pid" 2>/dev/null; rm -rf "$work"' EXIT
if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
  echo "port $PORT is already in use (set PORT=...)"; exit 1
fi
IHUB_LOG_LEVEL=${IHUB_LOG_LEVEL:-warn} "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  [ -f "$work/data/demo-credentials.txt" ] && curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.1
done
tok=$(grep -o 'ihub_pat_[A-Za-z0-9_-]*' "$work/data/demo-credentials.txt" | head -1)
upstream=$(curl -fs -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/v1/integrations/demo-http" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["baseUrl"])')
# The fake's token (it is a public constant of the test fake, not a secret).
upstream_tok=$(sed -n 's/^\s*DefaultToken\s*=\s*"\(.*\)"/\1/p' internal/provider/generichttp/generichttpfake/generichttpfake.go)
REFPROXY_LISTEN=127.0.0.1:$((PORT+1)) "$work/refproxy" "$upstream" 2>"$work/refproxy.log" &
ref_pid=$!
sleep 0.5
direct="$upstream/items"
ref="http://127.0.0.1:$((PORT+1))/items"
proxy="http://127.0.0.1:$PORT/api/v1/integrations/demo-http/proxy/items"
curl -fs -H "Authorization: Bearer $upstream_tok" "$direct" | head -c 120; echo
curl -fs -H "Authorization: Bearer $tok" "$proxy" | head -c 120; echo

ms() { # wrk latency ("123.45us", "1.20ms", "2.00s") to microseconds
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v*1000} else {sub(/s$/,"",v); print v*1000000} }'
}
rps() { wrk -t2 -c64 -d"$DURATION" -H "Authorization: Bearer $1" "$2" | awk '/Requests\/sec/{print $2}'; }
p50() { wrk -t1 -c1 -d"$DURATION" --latency -H "Authorization: Bearer $1" "$2" | awk '$1=="50%"{print $2}'; }
echo "== direct vs ReverseProxy vs ihub, $DURATION x $RUNS (c64: throughput; c1: p50 latency)"
for i in $(seq 1 "$RUNS"); do
  d64=$(rps "$upstream_tok" "$direct"); r64=$(rps "$upstream_tok" "$ref"); p64=$(rps "$tok" "$proxy")
  d1=$(p50 "$upstream_tok" "$direct"); r1=$(p50 "$upstream_tok" "$ref"); p1=$(p50 "$tok" "$proxy")
  radd=$(awk -v a="$(ms "$r1")" -v b="$(ms "$d1")" 'BEGIN{printf "%.0f", a-b}')
  padd=$(awk -v a="$(ms "$p1")" -v b="$(ms "$d1")" 'BEGIN{printf "%.0f", a-b}')
  echo "run $i: c64 req/s direct $d64, ReverseProxy $r64, ihub $p64 | c1 p50 direct $d1, ReverseProxy $r1 (+${radd}us), ihub $p1 (+${padd}us)"
done
