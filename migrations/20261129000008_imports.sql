-- Import jobs (provider registry, FHIR, referral and stakeholder files), the queue their
-- workers claim from, and the referral records they bring.

create table import_jobs (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  kind text not null check (kind in ('nppes', 'fhir', 'referrals', 'stakeholders')),
  status text not null default 'uploading'
    check (status in ('uploading', 'mapping', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
  dry_run boolean not null default false,
  -- What the importer was asked: market filter, referral layout and period, column mapping.
  options jsonb not null default '{}'::jsonb,
  file_name text not null check (length(file_name) between 1 and 255),
  file_size bigint not null default 0,
  -- 'upload': the file sits in import_chunks; 'local': a command streams it from its disk.
  storage text not null default 'upload' check (storage in ('upload', 'local')),
  created_by uuid,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  attempts integer not null default 0,
  cancel_requested boolean not null default false,
  bytes_done bigint not null default 0,
  rows_read bigint not null default 0,
  created bigint not null default 0,
  updated bigint not null default 0,
  unchanged bigint not null default 0,
  skipped bigint not null default 0,
  failed bigint not null default 0,
  -- Why a job failed as a whole (not per row).
  message text,
  -- What the importer says about the whole file (layout detected, unknown NPIs, ...).
  summary jsonb not null default '{}'::jsonb,
  primary key (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create index import_jobs_recent_idx on import_jobs (tenant_id, created_at desc);

-- The uploaded file, in pieces of up to a few MiB (a 2 GB file never sits in memory).
create table import_chunks (
  tenant_id uuid not null,
  job_id uuid not null,
  seq integer not null,
  data bytea not null,
  primary key (tenant_id, job_id, seq),
  foreign key (tenant_id, job_id) references import_jobs (tenant_id, id) on delete cascade
);

-- Rows that could not be imported: line (1-based, the header is line 1), column, reason.
create table import_errors (
  tenant_id uuid not null,
  job_id uuid not null,
  seq integer not null,
  line bigint not null,
  column_name text,
  reason text not null,
  primary key (tenant_id, job_id, seq),
  foreign key (tenant_id, job_id) references import_jobs (tenant_id, id) on delete cascade
);

-- What a job changed (or, in a dry run, would change): the change review.
create table import_changes (
  tenant_id uuid not null,
  job_id uuid not null,
  seq bigint generated always as identity,
  change text not null check (change in ('new', 'changed', 'deactivated', 'unknown')),
  target text not null check (target in ('stakeholder', 'organization', 'referral', 'npi')),
  npi text,
  label text not null,
  fields text[] not null default '{}',
  primary key (tenant_id, job_id, seq),
  foreign key (tenant_id, job_id) references import_jobs (tenant_id, id) on delete cascade
);
create index import_changes_kind_idx on import_changes (tenant_id, job_id, change, seq);

-- The work queue: no tenant data, only which job of which tenant waits. Workers in any app
-- process claim a row with FOR UPDATE SKIP LOCKED and hold the lock while the job runs, so
-- a crashed worker's lock ends with its connection and another worker picks the job up.
-- The runtime role reaches it only through the two functions below.
create table import_queue (
  job_id uuid primary key,
  tenant_id uuid not null,
  storage text not null,
  queued_at timestamptz not null default now()
);

-- Row-level security here too: only the owner (through the functions) sees any row.
alter table import_queue enable row level security;
alter table import_queue force row level security;
do $$
begin
  execute format('create policy queue_workers on import_queue to %I using (true) with check (true)', current_user);
end
$$;

create function import_queue_claim(local_job uuid default null)
  returns table (tenant_id uuid, job_id uuid, storage text)
  language sql volatile security definer set search_path = public
  as $$
    select q.tenant_id, q.job_id, q.storage from import_queue q
    -- A command claims its own job the moment it queues it; any worker may claim an
    -- uploaded job, or a command's job left unlocked for a minute (its command died: the
    -- worker marks it failed, as the file is on that machine's disk).
    where q.job_id = local_job
       or (local_job is null and (q.storage = 'upload' or q.queued_at < now() - interval '1 minute'))
    order by q.queued_at
    limit 1
    for update skip locked
  $$;

-- Adds a job of the current tenant to the queue.
create function import_queue_push(job uuid, how text) returns void
  language sql volatile security definer set search_path = public
  as $$
    insert into import_queue (job_id, tenant_id, storage)
    select job, app_tenant_id(), how where app_tenant_id() is not null
    on conflict (job_id) do nothing
  $$;

-- Removes a finished job from the queue; only the holder of its row lock gets past it.
create function import_queue_done(job uuid) returns void
  language sql volatile security definer set search_path = public
  as $$ delete from import_queue where job_id = job $$;

revoke all on function import_queue_claim(uuid), import_queue_push(uuid, text), import_queue_done(uuid) from public;
grant execute on function import_queue_claim(uuid), import_queue_push(uuid, text), import_queue_done(uuid) to rapport_app;

-- Referrals: from a provider to a provider, a facility or a service line, in a period.
create table referrals (
  tenant_id uuid not null references tenants (id),
  id bigint generated always as identity,
  from_npi text not null check (from_npi ~ '^[0-9]{10}$'),
  to_npi text check (to_npi ~ '^[0-9]{10}$'),
  to_facility_id uuid,
  service_line text check (length(service_line) between 1 and 100),
  period date not null,
  count integer not null check (count >= 0),
  patients integer check (patients >= 0),
  source text not null,
  job_id uuid,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, to_facility_id) references facilities (tenant_id, id),
  check (num_nonnulls(to_npi, to_facility_id, service_line) >= 1)
);
-- The natural key an import upserts by.
create unique index referrals_key on referrals
  (tenant_id, from_npi, coalesce(to_npi, ''), coalesce(to_facility_id, '00000000-0000-0000-0000-000000000000'::uuid),
   coalesce(lower(service_line), ''), period);
create index referrals_to_idx on referrals (tenant_id, to_npi, period) where to_npi is not null;
create index referrals_facility_idx on referrals (tenant_id, to_facility_id, period) where to_facility_id is not null;

-- Registry facts on providers: the practice address and a deactivation, never a deletion.
alter table stakeholders add column address_line text, add column city text, add column state text,
  add column postal_code text, add column npi_deactivated_on date;
alter table organizations add column taxonomy_code text references taxonomy (code),
  add column npi_deactivated_on date;
-- Registry organizations share names ("CVS PHARMACY" thousands of times); a name stays
-- unique only among organizations without an NPI (the ones typed in by hand).
drop index organizations_tenant_name_key;
create unique index organizations_tenant_name_key on organizations (tenant_id, lower(name)) where npi is null;
-- Facilities may carry their NPIs (loyalty: referrals to them are the workspace's own).
alter table facilities add column npi text check (npi ~ '^[0-9]{10}$');
create unique index facilities_tenant_npi_key on facilities (tenant_id, npi) where npi is not null;

do $$
declare
  t text;
begin
  foreach t in array array['import_jobs', 'import_chunks', 'import_errors', 'import_changes', 'referrals'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format(
      'create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
end
$$;
grant usage on all sequences in schema public to rapport_app;
