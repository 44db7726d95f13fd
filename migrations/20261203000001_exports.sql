-- The export page lists recent exports from the audit log, and the audit page filters by
-- action: both walk one action's events newest first.
create index audit_events_action_idx on audit_events (tenant_id, action, occurred_at desc);
