-- The content calendar, and pulse surveys answered through private links.

-- Planned content: a post, a mailer, a web page, an event, on a date, for a campaign.
create table content_items (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  campaign_id uuid,
  message_id uuid,
  title text not null check (length(title) between 1 and 200),
  channel text not null check (channel in ('email', 'social', 'print', 'web', 'event', 'mail', 'portal')),
  publish_on date not null,
  owner_id uuid,
  status text not null default 'planned' check (status in ('planned', 'ready', 'published')),
  notes text check (length(notes) <= 2000),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, message_id) references key_messages (tenant_id, id) on delete set null (message_id),
  foreign key (tenant_id, owner_id) references users (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create index content_items_date_idx on content_items (tenant_id, publish_on, id);
create index content_items_campaign_idx on content_items (tenant_id, campaign_id, publish_on) where campaign_id is not null;

-- A short survey: Likert (1-5) and free-text questions, optionally for a campaign.
create table surveys (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  title text not null check (length(title) between 1 and 200),
  intro text check (length(intro) <= 2000),
  campaign_id uuid,
  status text not null default 'draft' check (status in ('draft', 'open', 'closed')),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id)
);
create unique index surveys_title_key on surveys (tenant_id, lower(title));

create table survey_questions (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  survey_id uuid not null,
  position smallint not null,
  kind text not null check (kind in ('likert', 'text')),
  prompt text not null check (length(prompt) between 1 and 500),
  required boolean not null default true,
  primary key (tenant_id, id),
  foreign key (tenant_id, survey_id) references surveys (tenant_id, id) on delete cascade,
  unique (tenant_id, survey_id, position)
);

-- One private link per person. The link's secret is stored only as a hash; it answers once
-- and can be revoked.
create table survey_recipients (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  survey_id uuid not null,
  stakeholder_id uuid not null,
  token_hash bytea not null,
  sent_at timestamptz not null default now(),
  responded_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, survey_id) references surveys (tenant_id, id) on delete cascade,
  foreign key (tenant_id, stakeholder_id) references stakeholders (tenant_id, id),
  unique (tenant_id, survey_id, stakeholder_id)
);
create unique index survey_recipients_token_key on survey_recipients (tenant_id, token_hash);
create index survey_recipients_stakeholder_idx on survey_recipients (tenant_id, stakeholder_id);

create table survey_answers (
  tenant_id uuid not null references tenants (id),
  recipient_id uuid not null,
  question_id uuid not null,
  survey_id uuid not null,
  likert smallint check (likert between 1 and 5),
  answer text check (length(answer) <= 5000),
  primary key (tenant_id, recipient_id, question_id),
  foreign key (tenant_id, recipient_id) references survey_recipients (tenant_id, id) on delete cascade,
  foreign key (tenant_id, question_id) references survey_questions (tenant_id, id) on delete cascade,
  constraint survey_answers_one_kind check (num_nonnulls(likert, answer) = 1)
);
create index survey_answers_question_idx on survey_answers (tenant_id, question_id);

do $$
declare t text;
begin
  foreach t in array array['content_items', 'surveys', 'survey_questions', 'survey_recipients', 'survey_answers'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (tenant_id = (select app_tenant_id()))
                    with check (tenant_id = (select app_tenant_id()))', t);
    execute format('grant select, insert, update, delete on %I to rapport_app', t);
  end loop;
end $$;
