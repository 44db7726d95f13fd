#!/usr/bin/env bash
# A 2 GB upload: a generated registry file of ROWS rows (default 2,000,000, about 2.2 GB)
# sent to `POST /api/v1/imports` of a release `rapport serve` in one request, then the job it
# queued (a market that keeps nobody, so the scan is measured rather than the writes). Reports
# the upload's time and rate, the server's peak memory (the file streams into 4 MB pieces and
# is never held whole), the job's time, and the space the pieces took in PostgreSQL.
# Creates its own database (rapport_bench_upload) and drops it afterwards.
# Writes bench/results/nppes-upload.md.
# Usage: cargo build --release --bin rapport --example nppes_file && bash bench/nppes-upload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
GEN=${GEN_BIN:-target/release/examples/nppes_file}
[ -x "$BIN" ] && [ -x "$GEN" ] || { echo "build first: cargo build --release --bin rapport --example nppes_file" >&2; exit 1; }
PG_HOST=${PG_HOST:-127.0.0.1} PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-rapport_bench_upload}
PORT=${PORT:-3922}
ROWS=${ROWS:-2000000}
OUT=${OUT:-bench/results/nppes-upload.md}
DIR=$(mktemp -d)
FILE="$DIR/npidata_pfile_upload.csv"
ADMIN=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
PSQL=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$DB" -qAt -v ON_ERROR_STOP=1)
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB" RAPPORT_BIND="127.0.0.1:$PORT" RUST_LOG=warn RAPPORT_DEMO=0

SERVER=
cleanup() {
  [ -f "$DIR/server.log" ] && { echo "--- server log (last lines)"; tail -20 "$DIR/server.log"; } >&2
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done; fi
  [ "${KEEP_DB:-0}" = 1 ] || "${ADMIN[@]}" -c "drop database if exists $DB with (force)" || true
  rm -rf "$DIR"
}
trap cleanup EXIT

"$GEN" "$ROWS" "$FILE"
bytes=$(stat -c %s "$FILE")
"${ADMIN[@]}" -c "drop database if exists $DB with (force)"
"${ADMIN[@]}" -c "create database $DB"
"$BIN" migrate >/dev/null
"$BIN" tenant create --slug bench --name "Bench Health" >/dev/null
echo "bench password 2026" | "$BIN" user create --tenant bench --email admin@bench.test --name "Bench Admin" --role admin --password-stdin >/dev/null
TOKEN=$("$BIN" token create --tenant bench --email admin@bench.test --name upload 2>/dev/null)

"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
load=$(cut -d' ' -f1 /proc/loadavg)

t0=$(date +%s.%N)
curl -fsS -o "$DIR/job.json" -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" \
  -X POST -T "$FILE" "http://127.0.0.1:$PORT/api/v1/imports?kind=nppes&file_name=npidata_pfile_upload.csv&states=AK&referral_npis=false"
t1=$(date +%s.%N)
JOB=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$DIR/job.json")
stored=$("${PSQL[@]}" -c "select pg_size_pretty(sum(length(data))::bigint) || ' in ' || count(*) || ' pieces' from import_chunks where job_id = '$JOB'")
status=queued
while [ "$status" != succeeded ] && [ "$status" != failed ]; do
  sleep 0.5
  status=$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/imports/$JOB" | sed -E 's/.*"status":"([^"]+)".*/\1/')
done
t2=$(date +%s.%N)
summary=$("${PSQL[@]}" -c "select rows_read || ' read, ' || skipped || ' skipped, ' || failed || ' failed' from import_jobs where id = '$JOB'")
left=$("${PSQL[@]}" -c "select count(*) from import_chunks where job_id = '$JOB'")
rss_mb=$(( $(awk '/VmHWM/ { print $2 }' "/proc/$SERVER/status") / 1024 ))
kill -TERM "$SERVER"; while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done; SERVER=
up_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
up_rate=$(awk -v n="$bytes" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / 1e6 / (b - a) }')
job_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')

cat > "$OUT" <<MD
# A 2 GB upload

\`bench/nppes-upload.sh\`: a generated registry file of $ROWS rows ($(( bytes / 1000000 )) MB) sent in one
\`POST /api/v1/imports\` request to a release \`rapport serve\` on the same machine ($(nproc) cores shared
by curl, the server and PostgreSQL; load average $load at the start). $(date -u +%Y-%m-%d).

- upload: $up_s s ($up_rate MB/s), stored as $stored; job status $status
- the job (a market with nobody in the file, so the whole file is read and checked): $job_s s, $summary
- pieces left after the job: $left (they are deleted when the job succeeds)
- server peak RSS over the upload and the job: $rss_mb MB
MD
cat "$OUT"
