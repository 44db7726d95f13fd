#!/usr/bin/env bash
# Cold start of the release binary with the embedded default: time from exec until
# /readyz answers 200, on an empty data folder (initdb, migrations, demo workspace) and
# again on the same folder (reuse). Three rounds; writes bench/results/cold-start.md.
# Usage: cargo build --release && bash bench/cold-start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
PORT=${PORT:-3917}
OUT=bench/results/cold-start.md

now_ms() { date +%s%3N; }
start_and_time() { # $1 = data dir; prints ms until ready, leaves the server running
  local t0 pid
  t0=$(now_ms)
  RAPPORT_DATA_DIR="$1" RAPPORT_BIND="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" serve >"$1.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited; see $1.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "$(( $(now_ms) - t0 )) $pid"
}
# The server is a grandchild here (started inside a process substitution): poll, not wait.
stop() { kill -TERM "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }

rows=()
for round in 1 2 3; do
  dir=$(mktemp -d); chmod 755 "$dir"
  read -r first pid < <(start_and_time "$dir/data"); stop "$pid"
  read -r second pid < <(start_and_time "$dir/data"); stop "$pid"
  rows+=("| $round | $first | $second |")
  rm -rf "$dir"
done

{
  echo "# Cold start, embedded default"
  echo
  echo "Release binary, from exec until \`/readyz\` answers 200. First: empty data folder"
  echo "(initdb, start, migrations, demo workspace). Second: same folder."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "- PostgreSQL: $(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1) (run as $( [ "$(id -u)" = 0 ] && echo "the postgres user, the bench running as root" || id -un ))"
  echo
  echo "| round | first start (ms) | second start (ms) |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$OUT"
cat "$OUT"
