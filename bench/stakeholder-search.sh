#!/usr/bin/env bash
# Stakeholder search p95 on a workspace of 50,000 stakeholders among 20 workspaces.
# Starts the release binary on a fresh embedded cluster, generates the data, signs in as a
# liaison and times searches over HTTP. Writes bench/results/stakeholder-search.md.
# Usage: cargo build --release && bash bench/stakeholder-search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
PORT=${PORT:-3918}
OUT=bench/results/stakeholder-search.md
DIR=$(mktemp -d); chmod 755 "$DIR"
export RAPPORT_DATA_DIR="$DIR/data" RAPPORT_BIND="127.0.0.1:$PORT" RUST_LOG=warn RAPPORT_DEMO=0

"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done; rm -rf "$DIR"; }
trap cleanup EXIT
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done

t0=$(date +%s)
"$BIN" generate --tenant bench --stakeholders 50000 --seed 1
for i in $(seq 2 20); do "$BIN" generate --tenant "other-$i" --stakeholders 2500 --seed "$i" >/dev/null; done
generate_s=$(( $(date +%s) - t0 ))
# Steady state: what autovacuum does within a minute of a bulk load (statistics, visibility map).
psql -h "$DIR/data/run" -U postgres -d rapport -qc "vacuum analyze"
echo "bench password 2026" | "$BIN" user create --tenant bench --email liaison@bench.test --name "Bench Liaison" --role liaison --password-stdin >/dev/null
TOKEN=$("$BIN" token create --tenant bench --email liaison@bench.test 2>/dev/null | tail -1)

TABLE=$(python3 bench/search_latency.py "http://127.0.0.1:$PORT" bench liaison@bench.test "bench password 2026" "$TOKEN")
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

{
  echo "# Stakeholder search"
  echo
  echo "Workspace \`bench\` with 50,000 generated stakeholders, among 20 workspaces (19 more with"
  echo "2,500 each; 97,500 in all), embedded PostgreSQL with default settings, release binary."
  echo "Each row: 60 searches through the Stakeholders page (HTML, with the total count and the"
  echo "filter menus) and 60 through \`GET /api/v1/stakeholders\`, one keep-alive connection,"
  echo "after 10 warm-up requests, once the load is vacuumed and analyzed (as autovacuum does"
  echo "shortly after a bulk load); milliseconds measured by the client on loopback, client,"
  echo "server and PostgreSQL sharing the same 2 cores."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "- data generation: ${generate_s} s for 97,500 stakeholders"
  echo "- server peak RSS during the run: $(( RSS_KB / 1024 )) MB"
  echo
  echo "$TABLE"
} > "$OUT"
cat "$OUT"
