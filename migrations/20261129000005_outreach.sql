-- Outreach: campaigns with their audience, messages and money; touch-points (every
-- interaction with a stakeholder, the hottest write path of the product) and follow-ups.

-- Saved audience definitions over stakeholders. The definition is validated by the app
-- (domain::SegmentDefinition) and evaluated with bound parameters, never as SQL text.
create table segments (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 120),
  description text check (length(description) <= 1000),
  definition jsonb not null default '{}'::jsonb,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create unique index segments_name_key on segments (tenant_id, lower(name));

create table campaigns (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  objective text check (length(objective) <= 2000),
  service_line text check (length(service_line) <= 100),
  owner_id uuid,
  starts_on date,
  ends_on date,
  status text not null default 'draft' check (status in ('draft', 'planned', 'active', 'completed', 'archived')),
  channels text[] not null default '{}',
  budget numeric(12, 2) check (budget >= 0),
  segment_id uuid,
  -- When the audience became a member list (the campaign went active).
  audience_frozen_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, owner_id) references users (tenant_id, id),
  foreign key (tenant_id, segment_id) references segments (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id),
  constraint campaigns_dates check (ends_on is null or starts_on is null or ends_on >= starts_on)
);
create unique index campaigns_name_key on campaigns (tenant_id, lower(name));
create index campaigns_status_idx on campaigns (tenant_id, status, starts_on desc nulls last);

-- Spend against the budget.
create table campaign_costs (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  campaign_id uuid not null,
  spent_on date not null,
  category text not null check (category in ('media', 'print', 'digital', 'events', 'meals', 'promotional', 'staff', 'other')),
  amount numeric(12, 2) not null check (amount > 0),
  note text check (length(note) <= 500),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create index campaign_costs_campaign_idx on campaign_costs (tenant_id, campaign_id, spent_on);

-- What success means: a measure the app computes (reach, response rate, survey agreement,
-- touches; referral lift once referrals are in) or one entered by hand, with target and
-- baseline.
create table campaign_kpis (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  campaign_id uuid not null,
  label text not null check (length(label) between 1 and 200),
  measure text not null check (measure in ('reach', 'response_rate', 'survey_agreement', 'touches', 'referral_lift', 'manual')),
  target numeric(12, 2) not null,
  baseline numeric(12, 2),
  actual numeric(12, 2),
  position smallint not null default 0,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
);
create index campaign_kpis_campaign_idx on campaign_kpis (tenant_id, campaign_id, position);

-- The audience as a member list. Removing a member keeps the row (removed_at), so the
-- history of who was targeted survives.
create table campaign_members (
  tenant_id uuid not null references tenants (id),
  campaign_id uuid not null,
  stakeholder_id uuid not null,
  source text not null check (source in ('segment', 'manual')),
  added_at timestamptz not null default now(),
  added_by uuid,
  removed_at timestamptz,
  removed_by uuid,
  primary key (tenant_id, campaign_id, stakeholder_id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, added_by) references users (tenant_id, id),
  foreign key (tenant_id, removed_by) references users (tenant_id, id)
);
create index campaign_members_stakeholder_idx on campaign_members (tenant_id, stakeholder_id);

create table key_messages (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  campaign_id uuid not null,
  title text not null check (length(title) between 1 and 200),
  body text check (length(body) <= 5000),
  position smallint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
);
create index key_messages_campaign_idx on key_messages (tenant_id, campaign_id, position);

-- Versions of a message for one channel. Where a message has two or more variants on a
-- channel, the members are split among them.
create table message_variants (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  campaign_id uuid not null,
  message_id uuid not null,
  channel text not null check (channel in ('visit', 'phone', 'email', 'event', 'lunch_learn', 'social', 'mail', 'portal', 'survey', 'print', 'web')),
  label text not null check (length(label) between 1 and 40),
  body text check (length(body) <= 5000),
  weight smallint not null default 1 check (weight between 1 and 100),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, message_id) references key_messages (tenant_id, id) on delete cascade,
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
);
create unique index message_variants_label_key on message_variants (tenant_id, message_id, channel, lower(label));

-- The recorded split: which variant of a (message, channel) test each member gets, and the
-- bucket it came from, so the assignment can be checked and reproduced.
create table variant_assignments (
  tenant_id uuid not null references tenants (id),
  campaign_id uuid not null,
  message_id uuid not null,
  channel text not null,
  stakeholder_id uuid not null,
  variant_id uuid not null,
  bucket integer not null,
  assigned_at timestamptz not null default now(),
  primary key (tenant_id, campaign_id, message_id, channel, stakeholder_id),
  foreign key (tenant_id, campaign_id, stakeholder_id) references campaign_members (tenant_id, campaign_id, stakeholder_id) on delete cascade,
  foreign key (tenant_id, variant_id) references message_variants (tenant_id, id) on delete cascade
);
create index variant_assignments_variant_idx on variant_assignments (tenant_id, variant_id);

-- One interaction with a stakeholder. Ids are time-ordered (UUID v7) so the primary key
-- grows at its right edge. The idempotency key makes a repeated submit (a double click, a
-- retried API call) find the touch-point it already wrote instead of writing another.
-- created_by has no foreign key on purpose: every touch-point a user logs would take a share
-- lock on the same users row, and many concurrent share locks on one row become multixacts,
-- the one contention point of this write path. The user id comes from the session.
create table touchpoints (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  channel text not null check (channel in ('visit', 'phone', 'email', 'event', 'lunch_learn', 'social', 'mail', 'portal', 'survey')),
  direction text not null default 'outbound' check (direction in ('outbound', 'inbound')),
  occurred_at timestamptz not null,
  purpose text check (length(purpose) <= 200),
  outcome text check (outcome in ('positive', 'neutral', 'negative', 'no_response')),
  cost numeric(10, 2) check (cost >= 0),
  notes text check (length(notes) <= 5000),
  campaign_id uuid,
  variant_id uuid,
  -- Touch-points logged together for one event share a group id.
  group_id uuid,
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  request_hash text,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id),
  foreign key (tenant_id, variant_id) references message_variants (tenant_id, id)
);
create index touchpoints_stakeholder_idx on touchpoints (tenant_id, stakeholder_id, occurred_at desc);
create index touchpoints_recent_idx on touchpoints (tenant_id, occurred_at desc);
create index touchpoints_campaign_idx on touchpoints (tenant_id, campaign_id, stakeholder_id) where campaign_id is not null;
create unique index touchpoints_idempotency_key on touchpoints (tenant_id, created_by, idempotency_key, stakeholder_id)
  where idempotency_key is not null;

-- Feedback can say which campaign (and which of its messages) it answers.
alter table feedback
  add column campaign_id uuid,
  add column message_id uuid,
  add foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id),
  add foreign key (tenant_id, message_id) references key_messages (tenant_id, id) on delete set null (message_id);
create index feedback_campaign_idx on feedback (tenant_id, campaign_id) where campaign_id is not null;

-- Something to do for a stakeholder by a date, from a touch-point, a feedback item or by hand.
create table follow_ups (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  stakeholder_id uuid not null,
  owner_id uuid not null,
  due_on date not null,
  note text check (length(note) <= 1000),
  touchpoint_id uuid,
  feedback_id uuid,
  status text not null default 'open' check (status in ('open', 'done', 'cancelled')),
  completed_at timestamptz,
  completed_touchpoint_id uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  foreign key (tenant_id, owner_id) references users (tenant_id, id),
  foreign key (tenant_id, touchpoint_id) references touchpoints (tenant_id, id),
  foreign key (tenant_id, completed_touchpoint_id) references touchpoints (tenant_id, id),
  foreign key (tenant_id, feedback_id) references feedback (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create index follow_ups_owner_idx on follow_ups (tenant_id, owner_id, due_on) where status = 'open';
create index follow_ups_stakeholder_idx on follow_ups (tenant_id, stakeholder_id, due_on);

do $$
declare t text;
begin
  foreach t in array array['segments', 'campaigns', 'campaign_costs', 'campaign_kpis', 'campaign_members',
                           'key_messages', 'message_variants', 'variant_assignments', 'touchpoints',
                           'follow_ups'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id()))
                    with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
end $$;
