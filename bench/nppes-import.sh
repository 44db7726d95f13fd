#!/usr/bin/env bash
# NPPES import throughput: a generated registry file of ROWS rows (default 1,000,000) in the
# real 329-column layout (examples/nppes_file.rs), imported with `rapport import nppes` into a
# fresh database on the local PostgreSQL, next to a plain `psql \copy` of the same file into a
# 329-column text table (the physical limit: parse and load, no checks, no merge).
# Runs: 1. a metro market (2.5% of the rows kept); 2. a market with nobody in the file (the
# scan alone); 3. every row kept (all new: stakeholders, organizations, search terms, change
# review); 4. the same file again (all unchanged); 5. a state market (OR and WA practices) into
# a new workspace; 6. a dry run of the whole file.
# Creates its own database (rapport_bench_nppes) and drops it afterwards.
# Writes bench/results/nppes-import.md.
# Usage: cargo build --release --bin rapport --example nppes_file && bash bench/nppes-import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
GEN=${GEN_BIN:-target/release/examples/nppes_file}
[ -x "$BIN" ] && [ -x "$GEN" ] || { echo "build first: cargo build --release --bin rapport --example nppes_file" >&2; exit 1; }
PG_HOST=${PG_HOST:-127.0.0.1} PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-rapport_bench_nppes}
ROWS=${ROWS:-1000000}
OUT=${OUT:-bench/results/nppes-import.md}
DIR=$(mktemp -d)
FILE="$DIR/npidata_pfile_bench.csv"
ADMIN=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
PSQL=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$DB" -qAt -v ON_ERROR_STOP=1)
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB" RUST_LOG=warn RAPPORT_DEMO=0

cleanup() {
  [ "${KEEP_DB:-0}" = 1 ] || "${ADMIN[@]}" -c "drop database if exists $DB with (force)" || true
  rm -rf "$DIR"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

t0=$(now)
"$GEN" "$ROWS" "$FILE"
t1=$(now)
size_mb=$(( $(stat -c %s "$FILE") / 1000000 ))
echo "generated $ROWS rows ($size_mb MB) in $(secs "$t0" "$t1") s"

"${ADMIN[@]}" -c "drop database if exists $DB with (force)"
"${ADMIN[@]}" -c "create database $DB"
"$BIN" migrate >/dev/null
"$BIN" tenant create --slug bench --name "Bench Health" >/dev/null
"$BIN" tenant create --slug market --name "Market Health" >/dev/null
"$BIN" tenant create --slug metro --name "Metro Health" >/dev/null
"$BIN" tenant create --slug elsewhere --name "Elsewhere Health" >/dev/null

# The physical limit: psql parses the CSV and COPYs every column as text.
cols=$(head -1 "$FILE" | awk -F'","' '{ print NF }')
create="create unlogged table raw_nppes ($(seq -s, -f 'c%g text' 1 "$cols"))"
"${PSQL[@]}" -c "$create"
load1=$(cat /proc/loadavg | cut -d' ' -f1)
t0=$(now)
"${PSQL[@]}" -c "\\copy raw_nppes from '$FILE' with (format csv, header true)"
t1=$(now)
copy_s=$(secs "$t0" "$t1"); copy_rate=$(rate "$ROWS" "$t0" "$t1")
"${PSQL[@]}" -c "drop table raw_nppes"
echo "psql \\copy: $copy_s s ($copy_rate rows/s)"

run() { # label, then import arguments; prints "seconds rows/s peak-RSS-MB summary"
  local label=$1; shift
  local log="$DIR/$label.log"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%M" -o "$DIR/$label.rss" "$BIN" import nppes "$FILE" "$@" >"$log"
  t1=$(now)
  local rss_mb=$(( $(tail -1 "$DIR/$label.rss") / 1024 ))
  local summary
  summary=$(sed -n 2p "$log" | sed 's/^ *//')
  echo "$(secs "$t0" "$t1") $(rate "$ROWS" "$t0" "$t1") $rss_mb $summary"
}

# The everyday case first: a market that is a small slice of the file (ZIP codes 97400 to
# 97429, 2.5% of the rows), then a market the file has nobody in (the scan alone).
r5=$(run metro --tenant metro --zip-prefixes 9740,9741,9742 --market-only); echo "metro:     $r5"
r6=$(run none --tenant elsewhere --states AK --market-only); echo "none:      $r6"
r1=$(run all --tenant bench); echo "all new:   $r1"
r2=$(run again --tenant bench); echo "again:     $r2"
r3=$(run market --tenant market --states OR,WA); echo "market:    $r3"
r4=$(run dry --tenant market --dry-run); echo "dry run:   $r4"
people=$("${PSQL[@]}" -c "select count(*) from stakeholders")
orgs=$("${PSQL[@]}" -c "select count(*) from organizations")
terms=$("${PSQL[@]}" -c "select count(*) from stakeholder_terms")
pg_version=$("${PSQL[@]}" -c "show server_version")
shared=$("${PSQL[@]}" -c "show shared_buffers")

row() { # label, result
  set -- "$1" $2
  local label=$1 s=$2 r=$3 rss=$4; shift 4
  echo "| $label | $s s | $r | $rss MB | $* |"
}

{
  echo "# NPPES import throughput"
  echo
  echo "A generated registry file (\`examples/nppes_file.rs\`): $ROWS rows, $size_mb MB, in the real"
  echo "329-column layout of a 2019 release (header from \`tests/fixtures\`), every field quoted;"
  echo "79% individuals (half of them with the primary taxonomy in the second slot), 20%"
  echo "organizations, 1% deactivated NPIs. \`rapport import nppes FILE --tenant …\` (release"
  echo "build) streams the file on one thread, checks each row, and COPYs the kept rows into a"
  echo "staging table while parsing; then one transaction writes the change review, merges"
  echo "stakeholders, organizations and search terms set-based, and records the job. Local"
  echo "PostgreSQL $pg_version, shared_buffers $shared, synchronous_commit on; the client, the"
  echo "import and PostgreSQL share the same 2 cores."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(uname -sr); 1-minute load before: $load1"
  echo "- after the runs: $people stakeholders, $orgs organizations, $terms search terms"
  echo
  echo "| run | time | file rows/s | peak RSS | result |"
  echo "|---|---:|---:|---:|---|"
  echo "| \`psql \\copy\` of the same file into a 329-column text table (the physical limit) | $copy_s s | $copy_rate | | $ROWS rows loaded as text, nothing checked |"
  row "1. a metro market (ZIP 97400–97429, 2.5% of the rows): all new" "$r5"
  row "2. a market the file has nobody in (the scan alone)" "$r6"
  row "3. every row kept: all new" "$r1"
  row "4. the same file again: all unchanged" "$r2"
  row "5. a state market (OR, WA: a third of the rows) into another workspace" "$r3"
  row "6. dry run of the whole file (checks and change review, no merge)" "$r4"
  echo
  echo "The target (50,000 rows/s) is for the import as the issue frames it: the registry cut to"
  echo "the workspace's market on the way in. Runs 1 and 2 show it; runs 3 and 5 write hundreds of"
  echo "thousands of people, where the time goes to the writes (each new person also gets about"
  echo "six search-term rows, each checked against its foreign key), not to reading the file."
} >"$OUT"
cat "$OUT"
