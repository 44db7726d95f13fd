//! Demo referral data: two years of monthly referrals from the demo physicians to the demo
//! facilities (which get NPIs), to two practices outside the workspace and to colleagues, so
//! the referral views, loyalty and leakage, the decline list and influence have something to
//! show. Deterministic (hashes of NPI and month, no randomness); written once: a workspace
//! that already holds referrals is left alone. Physicians the Heart Health Month campaign
//! touched send more to the demo facilities after it; every seventeenth physician's referrals
//! fall in the last three months.

use sqlx::PgConnection;

use crate::db::{self, audit::Actor};
use crate::domain::npi_check_digit;

/// NPIs for the demo facilities, in the order of their names, and two practices elsewhere.
const FACILITY_NPI_BASES: [&str; 3] = ["190000001", "190000002", "190000003"];
const ELSEWHERE_NPI_BASES: [&str; 2] = ["180000001", "180000002"];

fn npi(base: &str) -> String {
    format!("{base}{}", npi_check_digit(base.as_bytes()))
}

pub(super) async fn ensure(conn: &mut PgConnection, actor: &Actor) -> anyhow::Result<()> {
    let any: bool = sqlx::query_scalar("select exists (select 1 from referrals)")
        .fetch_one(&mut *conn)
        .await?;
    if any {
        return Ok(());
    }
    let facility_npis: Vec<String> = FACILITY_NPI_BASES.iter().map(|b| npi(b)).collect();
    sqlx::query(
        "update facilities f set npi = n.npi, updated_at = now()
           from (select id, row_number() over (order by name) as k from facilities
                  where npi is null and name like 'Demo %') d
           join unnest($1::text[]) with ordinality as n(npi, k) on n.k = d.k
          where f.id = d.id
            and not exists (select 1 from facilities o where o.npi = n.npi)",
    )
    .bind(&facility_npis)
    .execute(&mut *conn)
    .await?;
    let elsewhere: Vec<String> = ELSEWHERE_NPI_BASES.iter().map(|b| npi(b)).collect();
    let written = sqlx::query(
        "with docs as (
           select s.npi, row_number() over (order by s.npi) as n,
                  abs(hashtext(s.npi)) as h,
                  exists (select 1 from touchpoints t join campaigns c on c.id = t.campaign_id
                           where t.stakeholder_id = s.id and c.name = 'Heart Health Month') as touched
             from stakeholders s
            where s.npi is not null and s.kind = 'physician' and s.status = 'active'),
         heart as (select coalesce(max(ends_on), current_date) as ended from campaigns where name = 'Heart Health Month'),
         months as (
           select m::date as period, row_number() over (order by m desc) as back
             from generate_series(date_trunc('month', current_date) - interval '24 months',
                                  date_trunc('month', current_date) - interval '1 month',
                                  interval '1 month') as m),
         own as (select npi, row_number() over (order by npi) - 1 as k, count(*) over () as total
                   from facilities where npi is not null),
         peers as (select npi, row_number() over (order by npi) - 1 as k, count(*) over () as total
                     from stakeholders where npi is not null and kind = 'physician' and status = 'active'),
         rows as (
           -- To one of the workspace's facilities.
           select d.npi as from_npi, o.npi as to_npi, m.period,
                  (2 + d.h % 14 + abs(hashtext(d.npi || m.period::text)) % 5)
                  * case when d.touched and m.period > (select ended from heart) then 1.4 else 1.0 end
                  * case when d.n % 17 = 0 and m.back <= 3 then 0.3 else 1.0 end as count
             from docs d cross join months m join own o on o.k = d.h % o.total
           union all
           -- To a practice outside the workspace.
           select d.npi, ($2::text[])[1 + d.h % 2], m.period,
                  (1 + (d.h / 7) % 9 + abs(hashtext(m.period::text || d.npi)) % 4)
                  * case when d.n % 17 = 0 and m.back <= 3 then 0.5 else 1.0 end
             from docs d cross join months m
           union all
           -- To a colleague in the workspace, every other physician.
           select d.npi, p.npi, m.period, 1 + abs(hashtext(d.npi || p.npi || m.period::text)) % 4
             from docs d cross join months m
             join peers p on p.k = (d.h / 13) % p.total
            where d.n % 2 = 0 and p.npi <> d.npi)
         insert into referrals (tenant_id, from_npi, to_npi, period, count, patients, source)
         select $1, from_npi, to_npi, period, round(count)::int, greatest(1, round(count * 0.8))::int, 'demo'
           from rows where round(count) > 0",
    )
    .bind(actor.tenant_id)
    .bind(&elsewhere)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    db::referrals::rollup::refresh_all(conn, actor.tenant_id).await?;
    db::audit::record(
        conn,
        actor,
        "referral.demo",
        "workspace",
        Some(actor.tenant_id.to_string()),
        serde_json::json!({ "rows": written }),
    )
    .await?;
    Ok(())
}
