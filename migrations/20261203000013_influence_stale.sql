-- A changed influence link marks the workspace's scores stale; the key-influencers list and
-- the nightly pass recompute stale scores before they are read.
alter table influence_runs add column stale boolean not null default false;
