-- Referral views: per-workspace settings (small-cell suppression), a monthly rollup per
-- referring physician, and the index a physician's own rows are read by. No triggers on
-- referrals (they slowed a 200k-row import by half): the import refreshes the rollup,
-- set-based, for the physicians and months it touched, in its own transaction.

create table workspace_settings (
  tenant_id uuid primary key references tenants (id),
  -- Counts of 1 to 10 show as "<11" on pages, CSV downloads and the API (stored exactly).
  small_cell_suppression boolean not null default false,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  foreign key (tenant_id, updated_by) references users (tenant_id, id)
);

-- Each referring physician's month: every referral, and those to the workspace's own
-- facilities (a facility row, or an NPI one of its facilities carries, or a service line).
-- The overview reads these (a few thousand rows) instead of the referrals themselves.
create table referral_months (
  tenant_id uuid not null references tenants (id),
  from_npi text not null,
  period date not null,
  total bigint not null,
  own bigint not null,
  primary key (tenant_id, from_npi, period)
);
create index referral_months_period_idx on referral_months (tenant_id, period) include (from_npi, total, own);

-- One physician's rows (trend, destinations) by month.
create index if not exists referrals_from_idx on referrals (tenant_id, from_npi, period);

do $$
declare
  t text;
  tenant uuid;
begin
  foreach t in array array['workspace_settings', 'referral_months'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format(
      'create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
  -- Roll up the referrals already imported, tenant by tenant (row-level security is forced).
  for tenant in select id from tenants loop
    perform set_config('app.tenant_id', tenant::text, true);
    insert into referral_months (tenant_id, from_npi, period, total, own)
    select r.tenant_id, r.from_npi, r.period, sum(r.count),
           coalesce(sum(r.count) filter (where r.to_npi is null or f.npi is not null), 0)
    from referrals r
    left join facilities f on f.tenant_id = r.tenant_id and f.npi = r.to_npi
    where r.tenant_id = tenant
    group by r.tenant_id, r.from_npi, r.period;
  end loop;
  perform set_config('app.tenant_id', '', true);
end
$$;
