#!/usr/bin/env bash
# Workspace export: a workspace of 50,000 generated stakeholders and 1,000,000 touch-points
# (as in bench/touchpoints.sh) exported with `rapport export` as CSV and as JSON Lines; time,
# archive size, rows and the process's peak memory, next to a plain `psql \copy` of the
# touch-points table to a file (the database's own speed for the biggest table).
# Creates its own database (rapport_bench_export) and drops it afterwards.
# Writes bench/results/export.md.
# Usage: cargo build --release --bin rapport && bash bench/export.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release --bin rapport" >&2; exit 1; }
PG_HOST=${PG_HOST:-127.0.0.1} PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-rapport_bench_export}
STAKEHOLDERS=${STAKEHOLDERS:-50000}
TOUCHPOINTS=${TOUCHPOINTS:-1000000}
OUT=${OUT:-bench/results/export.md}
DIR=$(mktemp -d)
ADMIN=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
PSQL=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$DB" -qAt -v ON_ERROR_STOP=1)
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB" RUST_LOG=warn RAPPORT_DEMO=0

cleanup() {
  [ "${KEEP_DB:-0}" = 1 ] || "${ADMIN[@]}" -c "drop database if exists $DB with (force)" || true
  rm -rf "$DIR"
}
trap cleanup EXIT

"${ADMIN[@]}" -c "drop database if exists $DB with (force)"
"${ADMIN[@]}" -c "create database $DB"
"$BIN" migrate >/dev/null
"$BIN" generate --tenant bench --stakeholders "$STAKEHOLDERS" --seed 1 >/dev/null
TENANT=$("${PSQL[@]}" -c "select id from tenants where slug = 'bench'")
"${PSQL[@]}" <<SQL
insert into touchpoints (tenant_id, id, stakeholder_id, channel, direction, occurred_at, purpose, outcome, created_at)
select '$TENANT', gen_random_uuid(), ids[(1 + (i::bigint * 7919) % n)::int],
       (array['visit','phone','email','event','lunch_learn','social','mail','portal','survey'])[1 + i % 9],
       case when i % 5 = 0 then 'inbound' else 'outbound' end, at, 'Seeded', (array['positive','neutral','negative','no_response'])[1 + i % 4], at
from (select array_agg(id) as ids, count(*) as n from stakeholders where tenant_id = '$TENANT') s,
     generate_series(1, $TOUCHPOINTS) as i,
     lateral (select now() - interval '730 days' * (($TOUCHPOINTS - i)::float8 / $TOUCHPOINTS) as at) x;
vacuum analyze;
SQL

t0=$(date +%s.%N)
"${PSQL[@]}" -c "\\copy (select * from touchpoints where tenant_id = '$TENANT') to '$DIR/touchpoints.csv' with (format csv, header)"
t1=$(date +%s.%N)
copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
copy_mb=$(( $(stat -c %s "$DIR/touchpoints.csv") / 1000000 ))
rm -f "$DIR/touchpoints.csv"
echo "psql \\copy of touchpoints: $copy_s s ($copy_mb MB)"

LOAD=$(cut -d' ' -f1 /proc/loadavg)
ROWS=""
for format in csv json; do
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$BIN" export --tenant bench --format "$format" --output "$DIR/bench.zip" > "$DIR/out"
  read -r secs kb < "$DIR/time"
  mb=$(( $(stat -c %s "$DIR/bench.zip") / 1000000 ))
  total=$(awk '/ rows$/ { s += $(NF - 1) } END { print s }' "$DIR/out")
  tp=$(awk '$1 ~ /^touchpoints\./ { print $2 }' "$DIR/out")
  echo "$format: $secs s, $mb MB, $total rows ($tp touch-points), peak RSS $(( kb / 1024 )) MB"
  ROWS="$ROWS
| $format | $secs s | $mb MB | $total | $(( kb / 1024 )) MB |"
  rm -f "$DIR/bench.zip"
done

cat > "$OUT" <<MD
# Workspace export

\`bench/export.sh\`: a workspace of $STAKEHOLDERS generated stakeholders and $TOUCHPOINTS
touch-points, exported with \`rapport export\` (release build) into a ZIP archive. $(nproc) cores
shared by the exporter and PostgreSQL; load average $LOAD at the start. $(date -u +%Y-%m-%d).

| format | time | archive | rows | peak RSS |
|---|---|---|---|---|$ROWS

For comparison, \`psql \\copy\` of the touch-points table alone to an uncompressed CSV file:
$copy_s s ($copy_mb MB).
MD
cat "$OUT"
