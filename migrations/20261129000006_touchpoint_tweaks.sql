-- Touch-point lists at a million rows: "logged by me" and one event's attendees (a group)
-- would otherwise count their matches by reading the whole table. Additive only.
create index touchpoints_author_idx on touchpoints (tenant_id, created_by, occurred_at desc);
-- Only group submits carry a group id, so single writes never touch this index.
create index touchpoints_group_idx on touchpoints (tenant_id, group_id) where group_id is not null;
