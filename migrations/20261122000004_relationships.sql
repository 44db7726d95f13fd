-- The relationships around a stakeholder: where they work and hold privileges, who on the
-- team owns the relationship, how warm it is (champion stage), whom they influence, and what
-- they told us (feedback).

-- Champion stage, the last contact (which drives the cadence clock) and merges.
alter table stakeholders
  add column stage text check (stage in ('identified', 'engaged', 'supporter', 'champion', 'advocate', 'at_risk')),
  add column stage_changed_at timestamptz,
  add column last_contact_at timestamptz,
  add column merged_into uuid;
alter table stakeholders drop constraint stakeholders_status_check;
alter table stakeholders add constraint stakeholders_status_check check (status in ('active', 'archived', 'merged'));
create index stakeholders_stage_idx on stakeholders (tenant_id, stage, stage_changed_at desc nulls last, id) where stage is not null;

-- Affiliations: a person works at several practices and holds privileges at several of the
-- tenant's facilities. Exactly one of organization and facility.
create table affiliations (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  organization_id uuid,
  facility_id uuid,
  role text not null check (role in ('practices_at', 'employed_by', 'owner', 'privileges', 'medical_director',
                                     'leadership', 'board_member', 'member', 'other')),
  title text check (length(title) <= 200),
  is_primary boolean not null default false,
  starts_on date,
  ends_on date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, organization_id) references organizations (tenant_id, id),
  foreign key (tenant_id, facility_id) references facilities (tenant_id, id),
  constraint affiliations_one_target check (num_nonnulls(organization_id, facility_id) = 1),
  constraint affiliations_dates check (ends_on is null or starts_on is null or ends_on >= starts_on)
);
create index affiliations_stakeholder_idx on affiliations (tenant_id, stakeholder_id);
create index affiliations_organization_idx on affiliations (tenant_id, organization_id, stakeholder_id) where organization_id is not null;
create index affiliations_facility_idx on affiliations (tenant_id, facility_id, stakeholder_id) where facility_id is not null;

-- Relationship managers: a user owns a stakeholder relationship as primary or secondary.
-- Ending an assignment keeps the row, so reassignments keep their history.
create table assignments (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  user_id uuid not null,
  role text not null check (role in ('primary', 'secondary')),
  starts_on date not null default current_date,
  ends_on date,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, user_id) references users (tenant_id, id),
  constraint assignments_dates check (ends_on is null or ends_on >= starts_on)
);
create unique index assignments_one_primary on assignments (tenant_id, stakeholder_id) where role = 'primary' and ends_on is null;
create unique index assignments_one_current on assignments (tenant_id, stakeholder_id, user_id) where ends_on is null;
create index assignments_user_idx on assignments (tenant_id, user_id, stakeholder_id) where ends_on is null;

-- How often each tier should be contacted, where a workspace differs from 30/60/90 days.
create table cadence_rules (
  tenant_id uuid not null references tenants (id),
  tier text not null check (tier in ('A', 'B', 'C')),
  days integer not null check (days between 1 and 730),
  primary key (tenant_id, tier)
);

-- Every move through the champion pipeline: who, when, why.
create table stage_changes (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  from_stage text,
  to_stage text not null,
  reason text check (length(reason) <= 1000),
  changed_by uuid,
  changed_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, changed_by) references users (tenant_id, id)
);
create index stage_changes_stakeholder_idx on stage_changes (tenant_id, stakeholder_id, changed_at desc);
create index stage_changes_recent_idx on stage_changes (tenant_id, changed_at desc);

-- Influence: A influences B.
create table influence_links (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  from_id uuid not null,
  to_id uuid not null,
  kind text not null check (kind in ('refers_to', 'opinion_leader', 'peer', 'family_friend')),
  strength smallint not null check (strength between 1 and 5),
  source text not null default 'entered' check (source in ('entered', 'referrals')),
  note text check (length(note) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, from_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, to_id) references stakeholders (tenant_id, id),
  constraint influence_links_not_self check (from_id <> to_id),
  constraint influence_links_unique unique (tenant_id, from_id, to_id, kind)
);
create index influence_links_to_idx on influence_links (tenant_id, to_id);

-- Feedback topics, per workspace.
create table feedback_topics (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 80),
  archived boolean not null default false,
  primary key (tenant_id, id)
);
create unique index feedback_topics_name_key on feedback_topics (tenant_id, lower(name));

-- What a stakeholder said, and the loop that closes it.
create table feedback (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  topic_id uuid not null,
  sentiment smallint not null check (sentiment between -2 and 2),
  body text not null check (length(body) between 1 and 5000),
  received_on date not null default current_date,
  owner_id uuid,
  due_on date,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved', 'informed')),
  resolution text check (length(resolution) <= 5000),
  closed_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, topic_id) references feedback_topics (tenant_id, id),
  foreign key (tenant_id, owner_id) references users (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create index feedback_stakeholder_idx on feedback (tenant_id, stakeholder_id, received_on desc);
create index feedback_open_idx on feedback (tenant_id, received_on) where status in ('open', 'acknowledged');
create index feedback_recent_idx on feedback (tenant_id, received_on desc, id);

do $$
declare t text;
begin
  foreach t in array array['affiliations', 'assignments', 'cadence_rules', 'stage_changes',
                           'influence_links', 'feedback_topics', 'feedback'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id()))
                    with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
end $$;

-- Every existing workspace starts with the usual topics.
insert into feedback_topics (tenant_id, id, name)
select t.id, gen_random_uuid(), n.name
from tenants t cross join (values ('Access and scheduling'), ('Referral process'), ('Communication'),
  ('Quality of care'), ('Billing and insurance'), ('Messaging and brand'), ('Facilities and parking'),
  ('Other')) as n(name);
