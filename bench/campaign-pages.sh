#!/usr/bin/env bash
# Campaign and segment pages on a large workspace: 50,000 generated stakeholders, 1,000,000
# touch-points over two years, and a campaign whose segment matches about half the
# physicians. Starts the release binary on a fresh embedded cluster, launches the campaign
# through the API (freezing the audience and recording the variant split, timed), ties the
# members' recent touch-points to it, then times each page over HTTP as the marketer.
# Writes bench/results/campaign-pages.md.
# Usage: cargo build --release && bash bench/campaign-pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-target/release/rapport}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
PORT=${PORT:-3923}
OUT=bench/results/campaign-pages.md
DIR=$(mktemp -d); chmod 755 "$DIR"
export RAPPORT_DATA_DIR="$DIR/data" RAPPORT_BIND="127.0.0.1:$PORT" RUST_LOG=warn RAPPORT_DEMO=0
BASE="http://127.0.0.1:$PORT"

"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; while kill -0 "$SERVER" 2>/dev/null; do sleep 0.1; done; rm -rf "$DIR"; }
trap cleanup EXIT
until curl -fs "$BASE/readyz" >/dev/null; do sleep 0.1; done

PSQL=(psql -h "$DIR/data/run" -U postgres -d rapport -qAt -v ON_ERROR_STOP=1)
"$BIN" generate --tenant bench --stakeholders 50000 --seed 1 >/dev/null
echo "bench password 2026" | "$BIN" user create --tenant bench --email marketer@bench.test --name "Bench Marketer" --role marketer --password-stdin >/dev/null
TOKEN=$("$BIN" token create --tenant bench --email marketer@bench.test --name bench 2>/dev/null)
TENANT=$("${PSQL[@]}" -c "select id from tenants where slug = 'bench'")
USER_ID=$("${PSQL[@]}" -c "select id from users where email = 'marketer@bench.test'")

t0=$(date +%s)
"${PSQL[@]}" <<SQL
insert into touchpoints (tenant_id, id, stakeholder_id, channel, direction, occurred_at, purpose, outcome, created_by, created_at)
select '$TENANT', (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       ids[(1 + (i::bigint * 7919) % n)::int], (array['visit','phone','email','event','lunch_learn','social','mail','portal','survey'])[1 + i % 9],
       case when i % 5 = 0 then 'inbound' else 'outbound' end, at, 'Seeded', (array['positive','neutral','negative','no_response'])[1 + i % 4],
       '$USER_ID', at
from (select array_agg(id) as ids, count(*) as n from stakeholders where tenant_id = '$TENANT') s,
     generate_series(1, 1000000) as i,
     lateral (select now() - interval '730 days' * ((1000000 - i)::float8 / 1000000) as at, md5(i::text) as h) x;
vacuum analyze;
SQL
seed_s=$(( $(date +%s) - t0 ))

api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
SEGMENT=$(api -X POST "$BASE/api/v1/segments" -d '{"name": "Tier A and B physicians", "kinds": ["physician"], "tiers": ["A", "B"]}' | json "['id']")
CAMPAIGN=$(api -X POST "$BASE/api/v1/campaigns" -d "{\"name\": \"Big launch\", \"segment_id\": \"$SEGMENT\", \"channels\": [\"email\", \"visit\"], \"budget\": \"250000\"}" | json "['id']")
MESSAGE=$(api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/messages" -d '{"title": "One call books any specialist"}' | json "['id']")
for label in A B; do
  api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/messages/$MESSAGE/variants" -d "{\"channel\": \"email\", \"label\": \"$label\"}" >/dev/null
done
api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/messages/$MESSAGE/variants" -d '{"channel": "visit", "label": "Script"}' >/dev/null
api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/kpis" -d '{"label": "80% reached", "measure": "reach", "target": 80}' >/dev/null
api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/kpis" -d '{"label": "40% respond", "measure": "response_rate", "target": 40}' >/dev/null
for i in $(seq 1 12); do
  api -X POST "$BASE/api/v1/campaigns" -d "{\"name\": \"Campaign $i\", \"channels\": [\"email\"]}" >/dev/null
done
t0=$(date +%s%N)
api -X POST "$BASE/api/v1/campaigns/$CAMPAIGN/status" -d '{"status": "active"}' >/dev/null
launch_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
MEMBERS=$("${PSQL[@]}" -c "select count(*) from campaign_members where campaign_id = '$CAMPAIGN'")
SPLIT=$("${PSQL[@]}" -c "select count(*) from variant_assignments where campaign_id = '$CAMPAIGN'")
# The members' touch-points of the last 90 days become the campaign's, with their variant.
"${PSQL[@]}" <<SQL
update touchpoints t set campaign_id = '$CAMPAIGN',
  variant_id = (select va.variant_id from variant_assignments va where va.campaign_id = '$CAMPAIGN'
                and va.stakeholder_id = t.stakeholder_id and va.channel = t.channel)
where t.occurred_at > now() - interval '90 days'
  and t.stakeholder_id in (select stakeholder_id from campaign_members where campaign_id = '$CAMPAIGN');
vacuum analyze;
SQL
TOUCHED=$("${PSQL[@]}" -c "select count(*) from touchpoints where campaign_id = '$CAMPAIGN'")
MONTH=$(date -u +%Y-%m)

TABLE=$(python3 bench/page_latency.py "$BASE" bench marketer@bench.test "bench password 2026" \
  "Campaigns=/campaigns" \
  "Campaign page (launched, $TOUCHED touch-points)=/campaigns/$CAMPAIGN" \
  "Members, first page=/campaigns/$CAMPAIGN/members" \
  "Members, page 100=/campaigns/$CAMPAIGN/members?page=100" \
  "Members, searched=/campaigns/$CAMPAIGN/members?q=ca" \
  "Segments (live counts)=/segments" \
  "Segment form with preview=/segments/$SEGMENT" \
  "Segment live preview=/segments/preview?kinds=physician&tiers=A&states=CA" \
  "Content calendar=/calendar?month=$MONTH")
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

{
  echo "# Campaign and segment pages"
  echo
  echo "Workspace \`bench\`: 50,000 generated stakeholders and 1,000,000 touch-points over two"
  echo "years; a campaign aimed at tier A and B physicians with an email A/B test, launched"
  echo "through the API, whose members' touch-points of the last 90 days are its own. Embedded"
  echo "PostgreSQL with default settings, release binary. Each row: 40 requests after 5 warm-up"
  echo "requests, one keep-alive connection, milliseconds measured by the client on loopback;"
  echo "client, server and PostgreSQL share the same 2 cores. Pages are full HTML as the marketer"
  echo "sees them."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "- seeding 1,000,000 touch-points: ${seed_s} s"
  echo "- launch (freeze $MEMBERS members, record $SPLIT variant assignments, one request): ${launch_ms} ms"
  echo "- campaign touch-points: $TOUCHED"
  echo "- server peak RSS during the run: $(( RSS_KB / 1024 )) MB"
  echo
  echo "$TABLE"
} > "$OUT"
cat "$OUT"
