-- FHIR imports: the ids other systems know our records by, so a re-import of a resource
-- without an NPI finds what the last import made of it, and affiliations in the change review.

-- One row per id a record is known by elsewhere: a FHIR resource id within its server
-- (`system` 'fhir:file' or 'fhir:<server base URL>', `value` the id) or a business identifier
-- (`system` the identifier's system). `resource` is the FHIR type the id was read from.
create table external_ids (
  tenant_id uuid not null references tenants (id),
  resource text not null check (resource in ('Practitioner', 'Organization', 'Location', 'PractitionerRole')),
  system text not null check (length(system) between 1 and 1000),
  value text not null check (length(value) between 1 and 200),
  stakeholder_id uuid,
  organization_id uuid,
  facility_id uuid,
  affiliation_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, resource, system, value),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id) on delete cascade,
  foreign key (tenant_id, organization_id) references organizations (tenant_id, id) on delete cascade,
  foreign key (tenant_id, facility_id) references facilities (tenant_id, id) on delete cascade,
  foreign key (tenant_id, affiliation_id) references affiliations (tenant_id, id) on delete cascade,
  constraint external_ids_one_target
    check (num_nonnulls(stakeholder_id, organization_id, facility_id, affiliation_id) = 1)
);
-- For the cascades (deleting an affiliation, merging a stakeholder).
create index external_ids_stakeholder_idx on external_ids (tenant_id, stakeholder_id) where stakeholder_id is not null;
create index external_ids_organization_idx on external_ids (tenant_id, organization_id) where organization_id is not null;
create index external_ids_facility_idx on external_ids (tenant_id, facility_id) where facility_id is not null;
create index external_ids_affiliation_idx on external_ids (tenant_id, affiliation_id) where affiliation_id is not null;

do $$
declare
  t text;
begin
  foreach t in array array['external_ids'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format(
      'create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id())) with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
end
$$;

-- The change review lists the affiliations a FHIR PractitionerRole makes or changes.
alter table import_changes drop constraint import_changes_target_check;
alter table import_changes add constraint import_changes_target_check
  check (target in ('stakeholder', 'organization', 'referral', 'npi', 'affiliation'));
