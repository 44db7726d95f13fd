-- Influence scores: weighted PageRank over referral edges and influence links, recomputed
-- after imports and nightly; the whole workspace is replaced in one transaction.
create table influence_scores (
  tenant_id uuid not null references tenants (id),
  stakeholder_id uuid not null,
  -- The share of the workspace's influence (all scores sum to 1).
  score double precision not null check (score >= 0),
  -- 1 is the most influential.
  rank integer not null check (rank >= 1),
  -- The people in the graph when it was computed (score * people = times the average).
  people integer not null check (people >= 1),
  -- Those who give the most of it: [{"id": uuid, "share": 0..1}], largest first.
  reasons jsonb not null default '[]'::jsonb,
  computed_at timestamptz not null default now(),
  primary key (tenant_id, stakeholder_id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id) on delete cascade
);
create index influence_scores_rank_idx on influence_scores (tenant_id, rank);

alter table influence_scores enable row level security;
alter table influence_scores force row level security;
create policy tenant_isolation on influence_scores
  using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()));
grant select, insert, update, delete on influence_scores to rapport_app;

-- When each workspace's scores were last computed (also when its graph was empty), so the
-- nightly pass knows whom to recompute.
create table influence_runs (
  tenant_id uuid primary key references tenants (id),
  computed_at timestamptz not null default now(),
  people integer not null default 0,
  edges integer not null default 0
);
alter table influence_runs enable row level security;
alter table influence_runs force row level security;
create policy tenant_isolation on influence_runs
  using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()));
grant select, insert, update, delete on influence_runs to rapport_app;
