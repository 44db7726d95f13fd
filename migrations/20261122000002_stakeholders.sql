-- Stakeholders and the NUCC taxonomy they point at.

create extension if not exists pg_trgm;

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
create index taxonomy_display_trgm on taxonomy using gin (lower(display_name) gin_trgm_ops);
grant select on taxonomy to rapport_app;

-- array_to_string is only STABLE (element output functions may read settings); for text[]
-- it is immutable, which a generated column needs.
create function text_array_join(text[]) returns text
  language sql immutable parallel safe
  as $$ select array_to_string($1, ' ') $$;

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
  -- What the search box matches: names, NPI, credentials and tags, lower-cased.
  search_text text generated always as (
    lower(first_name || ' ' || coalesce(middle_name || ' ', '') || last_name || ' ' ||
          coalesce(npi, '') || ' ' || coalesce(credentials, '') || ' ' ||
          text_array_join(tags))
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index stakeholders_tenant_npi_key on stakeholders (tenant_id, npi) where npi is not null;
create index stakeholders_search_trgm on stakeholders using gin (search_text gin_trgm_ops);
create index stakeholders_tags_idx on stakeholders using gin (tags);
create index stakeholders_name_idx on stakeholders (tenant_id, lower(last_name), lower(first_name), id);

alter table stakeholders enable row level security;
alter table stakeholders force row level security;
create policy tenant_isolation on stakeholders
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());
grant select, insert, update, delete on stakeholders to rapport_app;
create index stakeholders_taxonomy_idx on stakeholders (tenant_id, taxonomy_code);
