-- Foundation: tenants, facilities, users, sessions, API tokens, audit events, login throttle.
--
-- Every tenant-owned table carries tenant_id, has it first in its primary key and in every
-- foreign key (so the schema can be distributed by tenant_id, the Citus multi-tenant model),
-- and has row-level security ENABLEd and FORCEd with one policy on app.tenant_id.

-- The runtime role: no login of its own, not superuser, not owner, no BYPASSRLS.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'rapport_app') then
    create role rapport_app nologin nosuperuser nocreatedb nocreaterole nobypassrls;
  end if;
  -- A non-superuser owner must be a member to SET ROLE to it.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant rapport_app to %I', current_user);
  end if;
end
$$;

-- The tenant id of the current transaction, or null when none is set.
-- After a transaction-local set_config ends, the setting reads as '' (not null): hence nullif.
create function app_tenant_id() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

create table tenants (
  id uuid primary key,
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);

create table facilities (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('hospital', 'clinic', 'ambulatory_surgery', 'urgent_care',
                                     'imaging', 'laboratory', 'rehabilitation', 'other')),
  address_line text,
  city text,
  state text,
  postal_code text,
  phone text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index facilities_tenant_name_key on facilities (tenant_id, lower(name));

create table users (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  email text not null check (email = lower(email)),
  name text not null check (length(name) between 1 and 200),
  role text not null check (role in ('admin', 'marketer', 'liaison', 'executive')),
  password_hash text not null,
  active boolean not null default true,
  password_changed_at timestamptz not null default now(),
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index users_tenant_email_key on users (tenant_id, email);

-- Server-side sessions. id is a hash of the secret in the cookie, never the secret itself.
create table sessions (
  tenant_id uuid not null,
  id bytea not null,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip inet,
  user_agent text,
  flash text,
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
create index sessions_user_idx on sessions (tenant_id, user_id);

create table api_tokens (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  name text not null check (length(name) between 1 and 100),
  token_hash bytea not null,
  hint text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

-- Append-only for the runtime role: it may insert and read, never update or delete.
create table audit_events (
  tenant_id uuid not null references tenants (id),
  id bigint generated always as identity,
  occurred_at timestamptz not null default now(),
  user_id uuid,
  action text not null,
  entity text not null,
  entity_id text,
  ip inet,
  request_id text,
  changes jsonb not null default '{}'::jsonb,
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references users (tenant_id, id)
);
create index audit_events_time_idx on audit_events (tenant_id, occurred_at desc);

-- Failed sign-ins per account and per client address (not tenant data: an unknown
-- workspace or address must be throttled too).
create table login_throttle (
  key text primary key,
  failures integer not null,
  last_failure_at timestamptz not null,
  locked_until timestamptz
);

-- Row-level security on every tenant-owned table. The policy reads the tenant through a
-- scalar subquery so PostgreSQL evaluates it once per query (an InitPlan), not once per row:
-- a bare current_setting() in the filter costs a microsecond or more for every row scanned.
do $$
declare
  t text;
begin
  foreach t in array array['facilities', 'users', 'sessions', 'api_tokens', 'audit_events'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format(
      'create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()))', t);
  end loop;
end
$$;

grant usage on schema public to rapport_app;
grant select on tenants to rapport_app;
grant select, insert, update, delete on facilities, users, sessions, api_tokens, login_throttle to rapport_app;
grant select, insert on audit_events to rapport_app;
grant execute on function app_tenant_id() to rapport_app;
grant usage on all sequences in schema public to rapport_app;
