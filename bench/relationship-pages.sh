#!/usr/bin/env bash
# The relationship-book pages on a workspace of 50,000 stakeholders with a full book (see
# bench/seed_relationships.sql). Starts the release binary on a fresh embedded cluster,
# generates and seeds the data, signs in as the liaison who owns 3,000 of them and times each
# page over HTTP. Writes bench/results/relationship-pages.md.
# Usage: cargo build --release && bash bench/relationship-pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
PORT=${PORT:-3919}
OUT=bench/results/relationship-pages.md
DIR=$(mktemp -d); chmod 755 "$DIR"
export RAPPORT_DATA_DIR="$DIR/data" RAPPORT_BIND="127.0.0.1:$PORT" RUST_LOG=warn RAPPORT_DEMO=0

"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done; rm -rf "$DIR"; }
trap cleanup EXIT
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done

PSQL=(psql -h "$DIR/data/run" -U postgres -d rapport -qAt -v ON_ERROR_STOP=1)
"$BIN" generate --tenant bench --stakeholders 50000 --seed 1 >/dev/null
echo "bench password 2026" | "$BIN" user create --tenant bench --email liaison@bench.test --name "Bench Liaison" --role liaison --password-stdin >/dev/null
TENANT=$("${PSQL[@]}" -c "select id from tenants where slug = 'bench'")
LIAISON=$("${PSQL[@]}" -c "select id from users where email = 'liaison@bench.test'")
t0=$(date +%s)
"${PSQL[@]}" -v tenant="$TENANT" -v liaison="$LIAISON" -f bench/seed_relationships.sql >/dev/null
seed_s=$(( $(date +%s) - t0 ))
"${PSQL[@]}" -c "vacuum analyze"
HUB=$("${PSQL[@]}" -c "select from_id from influence_links group by from_id order by count(*) desc limit 1")
ORG=$("${PSQL[@]}" -c "select id from organizations where tenant_id = '$TENANT' limit 1")
COUNTS=$("${PSQL[@]}" -F ' ' -c "select (select count(*) from affiliations), (select count(*) from assignments),
  (select count(*) from stage_changes), (select count(*) from influence_links), (select count(*) from feedback)")

TABLE=$(python3 bench/page_latency.py "http://127.0.0.1:$PORT" bench liaison@bench.test "bench password 2026" \
  "My stakeholders (due)=/my-stakeholders" \
  "My stakeholders (whole book, page 20)=/my-stakeholders?view=all&page=20" \
  "Champion board=/champions" \
  "Champion board, one manager=/champions?manager=$LIAISON" \
  "Key influencers=/champions/influencers" \
  "Stakeholder page (most links)=/stakeholders/$HUB" \
  "Stakeholders at stage supporter=/stakeholders?stage=supporter" \
  "Stakeholders at an organization=/stakeholders?org=$ORG" \
  "Organization page=/organizations/$ORG" \
  "Feedback (open)=/feedback" \
  "Escalation queue=/feedback/queue" \
  "Likely duplicates=/stakeholders/duplicates")
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

{
  echo "# Relationship-book pages"
  echo
  echo "Workspace \`bench\`: 50,000 generated stakeholders with a relationship book seeded by"
  echo "\`bench/seed_relationships.sql\` (affiliations, assignments, stage moves, influence links,"
  echo "feedback: $COUNTS rows), embedded PostgreSQL with default settings, release binary."
  echo "Signed in as the liaison who owns 3,000 of the stakeholders. Each row: 40 requests of the"
  echo "full HTML page after 5 warm-up requests, one keep-alive connection, milliseconds measured"
  echo "by the client on loopback; client, server and PostgreSQL share the same 2 cores."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "- seeding the book: ${seed_s} s"
  echo "- server peak RSS during the run: $(( RSS_KB / 1024 )) MB"
  echo
  echo "$TABLE"
} > "$OUT"
cat "$OUT"
