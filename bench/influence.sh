#!/usr/bin/env bash
# Influence scores on a big workspace: 50,000 generated stakeholders, REFERRALS referral rows
# (default 200,000: monthly rows between physicians over two years) and 5,000 entered
# influence links, recomputed with `rapport influence` (load the graph, PageRank, write every
# score with its reasons, audit) three times; next to the raw SQL of loading the graph.
# Creates its own database (rapport_bench_influence) and drops it afterwards.
# Writes bench/results/influence.md.
# Usage: cargo build --release --bin rapport && bash bench/influence.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release --bin rapport" >&2; exit 1; }
PG_HOST=${PG_HOST:-127.0.0.1} PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-rapport_bench_influence}
STAKEHOLDERS=${STAKEHOLDERS:-50000}
REFERRALS=${REFERRALS:-200000}
OUT=${OUT:-bench/results/influence.md}
ADMIN=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
PSQL=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$DB" -qAt -v ON_ERROR_STOP=1)
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB" RUST_LOG=warn RAPPORT_DEMO=0

cleanup() { [ "${KEEP_DB:-0}" = 1 ] || "${ADMIN[@]}" -c "drop database if exists $DB with (force)" || true; }
trap cleanup EXIT

"${ADMIN[@]}" -c "drop database if exists $DB with (force)"
"${ADMIN[@]}" -c "create database $DB"
"$BIN" migrate >/dev/null
"$BIN" generate --tenant bench --stakeholders "$STAKEHOLDERS" --seed 1 >/dev/null
TENANT=$("${PSQL[@]}" -c "select id from tenants where slug = 'bench'")
"${PSQL[@]}" <<SQL
-- Every physician gets an NPI-shaped number; referrals go mostly to a few hundred hubs.
update stakeholders set npi = (2000000000 + row_number)::text
  from (select id, row_number() over (order by id) as row_number from stakeholders where npi is null) n
 where stakeholders.id = n.id;
create temp table docs as select npi, row_number() over (order by npi) as k from stakeholders;
create index on docs (k);
analyze docs;
insert into referrals (tenant_id, from_npi, to_npi, period, count, source)
select '$TENANT', f.npi, t.npi, (date '2024-12-01' + make_interval(months => (g.i % 24)::int))::date, 1 + g.i % 17, 'bench'
  from (select i, 1 + (i::bigint * 7919) % $STAKEHOLDERS as fk,
               1 + case when i % 3 = 0 then (i::bigint * 104729) % $STAKEHOLDERS else (i::bigint * 31) % 300 end as tk
          from generate_series(1, $REFERRALS) as i) g
  join docs f on f.k = g.fk
  join docs t on t.k = g.tk
 where f.npi <> t.npi
on conflict do nothing;
insert into influence_links (tenant_id, id, from_id, to_id, kind, strength)
select '$TENANT', gen_random_uuid(), a.id, b.id, 'opinion_leader', 1 + i % 5
  from generate_series(1, 5000) as i
  join (select id, row_number() over (order by id) as k from stakeholders) a on a.k = 1 + (i::bigint * 13) % $STAKEHOLDERS
  join (select id, row_number() over (order by id) as k from stakeholders) b on b.k = 1 + (i::bigint * 97) % $STAKEHOLDERS
 where a.id <> b.id
on conflict do nothing;
vacuum analyze;
SQL
rows=$("${PSQL[@]}" -c "select count(*) from referrals")
links=$("${PSQL[@]}" -c "select count(*) from influence_links")
LOAD=$(cut -d' ' -f1 /proc/loadavg)
RUNS=""
for run in 1 2 3; do
  line=$("$BIN" influence --tenant bench)
  echo "$line"
  RUNS="$RUNS
| $run | $(echo "$line" | sed -E 's/.*: ([0-9]+) people, ([0-9]+) edges, ([0-9]+) ms/\1 | \2 | \3 ms/') |"
done
# The graph query alone, as psql runs it (the same SQL as db::influence_scores::graph).
t0=$(date +%s%N)
"${PSQL[@]}" -c "begin; select set_config('app.tenant_id', '$TENANT', true);
  select count(*) from (
    select f.id, t.id, sum(r.count)::float8 from referrals r
      join stakeholders f on f.tenant_id = r.tenant_id and f.npi = r.from_npi and f.status = 'active'
      join stakeholders t on t.tenant_id = r.tenant_id and t.npi = r.to_npi and t.status = 'active'
     where r.to_npi is not null and r.count > 0 and f.id <> t.id group by f.id, t.id
    union all
    select l.to_id, l.from_id, l.strength * 10.0 from influence_links l where l.source = 'entered') g; commit;" >/dev/null
t1=$(date +%s%N)
graph_ms=$(( (t1 - t0) / 1000000 ))

cat > "$OUT" <<MD
# Influence scores

\`bench/influence.sh\`: a workspace of $STAKEHOLDERS generated stakeholders with $rows referral rows
between them and $links entered influence links; \`rapport influence --tenant bench\` (release
build) loads the graph, runs PageRank, writes every score with its three biggest reasons,
and audits, in one transaction. $(nproc) cores shared with PostgreSQL; load average $LOAD at
the start. $(date -u +%Y-%m-%d).

| run | people | edges | time |
|---|---|---|---|$RUNS

The graph query alone in psql: $graph_ms ms.
MD
cat "$OUT"
