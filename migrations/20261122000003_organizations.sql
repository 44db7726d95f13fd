-- Organizations: practices, medical groups, health plans, employers, schools, community groups.

create table organizations (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('practice', 'medical_group', 'health_plan', 'employer', 'school',
                                     'community', 'other')),
  parent_id uuid,
  npi text check (npi ~ '^[0-9]{10}$'),
  address_line text,
  city text,
  state text,
  postal_code text,
  phone text,
  website text,
  status text not null default 'active' check (status in ('active', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references organizations (tenant_id, id),
  check (parent_id is null or parent_id <> id)
);
create unique index organizations_tenant_npi_key on organizations (tenant_id, npi) where npi is not null;
create unique index organizations_tenant_name_key on organizations (tenant_id, lower(name));
create index organizations_parent_idx on organizations (tenant_id, parent_id);

alter table organizations enable row level security;
alter table organizations force row level security;
create policy tenant_isolation on organizations
  using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()));
grant select, insert, update, delete on organizations to rapport_app;
