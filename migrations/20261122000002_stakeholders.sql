-- Stakeholders and the NUCC taxonomy they point at.

-- Reference data shared by every tenant (a Citus reference table): loaded by the app after
-- migrations from the code set compiled into the binary.
create table taxonomy (
  code text primary key check (code ~ '^[0-9A-Z]{9}X$'),
  grouping text not null,
  classification text not null,
  specialization text,
  display_name text not null,
  section text not null
);
grant select on taxonomy to rapport_app;

create table stakeholders (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  kind text not null check (kind in ('physician', 'advanced_practice', 'clinical_staff',
                                     'executive', 'staff', 'community_leader')),
  prefix text,
  first_name text not null check (length(first_name) between 1 and 100),
  middle_name text,
  last_name text not null check (length(last_name) between 1 and 100),
  suffix text,
  credentials text,
  npi text check (npi ~ '^[0-9]{10}$'),
  taxonomy_code text references taxonomy (code),
  emails text[] not null default '{}',
  phones text[] not null default '{}',
  preferred_channel text check (preferred_channel in ('email', 'phone', 'text', 'visit', 'mail', 'portal')),
  best_contact_times text,
  do_not_contact boolean not null default false,
  tier text check (tier in ('A', 'B', 'C')),
  tags text[] not null default '{}',
  status text not null default 'active' check (status in ('active', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index stakeholders_tenant_npi_key on stakeholders (tenant_id, npi) where npi is not null;
create index stakeholders_name_idx on stakeholders (tenant_id, lower(last_name), lower(first_name), id);
create index stakeholders_archived_idx on stakeholders (tenant_id, id) where status = 'archived';

alter table stakeholders enable row level security;
alter table stakeholders force row level security;
create policy tenant_isolation on stakeholders
  using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()));
grant select, insert, update, delete on stakeholders to rapport_app;

-- The search index: one row per word a stakeholder can be found by (name parts, NPI,
-- credentials, specialty words, tags as words and as "tag:<whole tag>"), written by the app
-- with every change. Why not a trigram index on the row: under row-level security PostgreSQL
-- only uses an index for a condition built from leakproof operators, and LIKE and the trigram
-- operators are not leakproof, so every search would read the whole tenant. Comparing whole
-- words and prefixes with = >= < is leakproof, so these lookups stay index range scans.
create table stakeholder_terms (
  tenant_id uuid not null,
  term text collate "C" not null,
  stakeholder_id uuid not null,
  primary key (tenant_id, term, stakeholder_id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id) on delete cascade
);
create index stakeholder_terms_stakeholder_idx on stakeholder_terms (tenant_id, stakeholder_id, term);
alter table stakeholder_terms enable row level security;
alter table stakeholder_terms force row level security;
create policy tenant_isolation on stakeholder_terms
  using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()));
grant select, insert, update, delete on stakeholder_terms to rapport_app;
create index stakeholders_taxonomy_idx on stakeholders (tenant_id, taxonomy_code);
