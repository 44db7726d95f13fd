-- A relationship book on the benchmark workspace (psql -v tenant=<uuid> -v liaison=<uuid>):
-- 200 practices and 5 facilities, ~70,000 affiliations, 3,000 stakeholders in the liaison's
-- book, 25,000 champion stages with a move each, 20,000 influence links, 20,000 feedback items.
select setseed(0.42);
select set_config('app.tenant_id', :'tenant', false);

insert into organizations (tenant_id, id, name, kind)
select :'tenant', gen_random_uuid(), 'Bench Practice ' || g, 'practice' from generate_series(1, 200) g;
insert into facilities (tenant_id, id, name, kind)
select :'tenant', gen_random_uuid(), 'Bench Hospital ' || g, 'hospital' from generate_series(1, 5) g;

create temp table people as
select id, row_number() over (order by id) as n from stakeholders where tenant_id = :'tenant';
create temp table orgs as
select id, row_number() over (order by id) as n from organizations where tenant_id = :'tenant';
create temp table facs as
select id, row_number() over (order by id) as n from facilities where tenant_id = :'tenant';

insert into affiliations (tenant_id, id, stakeholder_id, organization_id, role, is_primary, starts_on)
select :'tenant', gen_random_uuid(), p.id, o.id, 'practices_at', true, date '2015-01-01' + (random() * 3000)::int
from people p join orgs o on o.n = 1 + p.n % 200;
insert into affiliations (tenant_id, id, stakeholder_id, facility_id, role, starts_on)
select :'tenant', gen_random_uuid(), p.id, f.id, 'privileges', date '2015-01-01' + (random() * 3000)::int
from people p join facs f on f.n = 1 + p.n % 5 where random() < 0.4;

insert into assignments (tenant_id, id, stakeholder_id, user_id, role, starts_on)
select :'tenant', gen_random_uuid(), p.id, :'liaison', 'primary', date '2024-01-01'
from people p where p.n % 16 = 0 and p.n <= 48000;
update stakeholders s set tier = coalesce(s.tier, 'B'), last_contact_at = now() - (random() * 150) * interval '1 day'
from people p where p.id = s.id and p.n % 16 = 0;

update stakeholders s set stage = (array['identified','engaged','supporter','champion','advocate','at_risk'])[1 + (p.n % 6)],
       stage_changed_at = now() - (random() * 400) * interval '1 day'
from people p where p.id = s.id and p.n % 2 = 0;
insert into stage_changes (tenant_id, id, stakeholder_id, to_stage, reason, changed_by, changed_at)
select :'tenant', gen_random_uuid(), s.id, s.stage, 'Bench move', :'liaison', s.stage_changed_at
from stakeholders s where s.tenant_id = :'tenant' and s.stage is not null;

insert into influence_links (tenant_id, id, from_id, to_id, kind, strength)
select distinct on (a.id, b.id) :'tenant', gen_random_uuid(), a.id, b.id, 'peer', 1 + (g % 5)
from generate_series(1, 20000) g
join people a on a.n = 1 + (g * 7919) % 2000
join people b on b.n = 1 + (g * 104729) % 50000
where a.id <> b.id;

insert into feedback (tenant_id, id, stakeholder_id, topic_id, sentiment, body, received_on, owner_id, due_on, status)
select :'tenant', gen_random_uuid(), p.id,
       (select id from feedback_topics t where t.tenant_id = :'tenant' order by t.name offset (g % 8) limit 1),
       (g % 5) - 2, 'Bench feedback ' || g, current_date - (g % 365), :'liaison',
       case when (g % 5) < 2 then current_date - (g % 365) + 7 end,
       case when g % 10 < 3 then 'open' when g % 10 < 4 then 'acknowledged' else 'resolved' end
from generate_series(1, 20000) g join people p on p.n = 1 + (g * 31) % 50000;
