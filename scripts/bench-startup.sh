#!/usr/bin/env bash
# Cold start to ready and idle memory, SQLite: starts `ihub serve` on an
# existing data directory (first start, which creates the database and the
# key, is measured separately), polls /readyz every 2 ms, then reads the
# resident set size after 5 s idle. RUNS times; prints each and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
PORT=${PORT:-18090}
bin=$(mktemp -d)/ihub
go build -o "$bin" ./cmd/ihub
dir=$(mktemp -d)
export IHUB_DATA_DIR=$dir IHUB_LOG_LEVEL=warn
echo "a long benchmark password" | "$bin" users create --email b@example.com --role super_admin --password-stdin 2>/dev/null
"$bin" dev seed --integrations 1000 2>/dev/null
ready_ms() {
  local start end pid
  start=$(date +%s%N)
  "$bin" serve --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.002; done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 )) "$pid"
}
starts=(); rss=()
for i in $(seq 1 "$RUNS"); do
  read -r ms pid < <(ready_ms)
  sleep 5
  kb=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  starts+=("$ms"); rss+=("$kb")
  echo "run $i: ready in ${ms} ms, idle RSS $((kb / 1024)) MiB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: ready in $(median "${starts[@]}") ms, idle RSS $(( $(median "${rss[@]}") / 1024 )) MiB"
rm -rf "$dir"
