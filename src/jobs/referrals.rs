//! Importing referral files: stream rows into a staging table, resolve facility names,
//! report repeats and NPIs the workspace does not know, then upsert by the natural key
//! (from, to, period), in one transaction with the job's results.

use std::sync::atomic::Ordering;

use chrono::Datelike;
use sqlx::PgConnection;

use super::copy::{Counting, copy_rows};
use super::source::Input;
use super::{JobContext, JobError, Outcome, RowErrors, finish_in};
use crate::db::imports::Counts;
use crate::imports::RowError;
use crate::imports::referrals::{self, Layout};
use crate::postgres::tenant_tx;

const STAGE: &str = "create temp table stage_referrals (
    line bigint not null, from_npi text not null, to_npi text, to_facility text, service_line text,
    period date not null, count integer not null, patients integer, facility_id uuid
  ) on commit drop";

const COPY: &str = "copy stage_referrals (line, from_npi, to_npi, to_facility, service_line, period, count, patients)
  from stdin";

/// Largest count stored (PostgreSQL integer).
const MAX_COUNT: i64 = i32::MAX as i64;

#[derive(Default)]
struct Read {
    rows: i64,
    layout: Option<Layout>,
    errors: RowErrors,
}

pub async fn run(ctx: &JobContext, input: Input) -> Result<(), JobError> {
    let options = ctx.job.options();
    let layout = options.layout.as_deref().and_then(Layout::parse);
    let default_period = options.period;
    let mut tx = tenant_tx(&ctx.pool, ctx.tenant).await?;
    sqlx::query(STAGE).execute(&mut *tx).await?;
    let progress = ctx.progress.clone();
    let reader = input.open().map_err(|e| JobError::Internal(e.into()))?;
    let mut read: Read = copy_rows(&mut tx, COPY, move |sink| {
        let counting = Counting {
            inner: reader,
            progress: progress.clone(),
        };
        let mut rows = referrals::open(counting, layout).map_err(JobError::Rejected)?;
        if !rows.has_period() && default_period.is_none() {
            return Err(JobError::Rejected(format!(
                "A {} file does not say which period its counts cover: choose the period (the first day of the month it covers).",
                rows.layout().label()
            )));
        }
        let mut read = Read {
            layout: Some(rows.layout()),
            ..Read::default()
        };
        while let Some(item) = rows.next() {
            read.rows += 1;
            if progress.row_read(read.rows, sink)? {
                break;
            }
            let r = match item {
                Ok(r) => r,
                Err(e) => {
                    read.errors.push(e);
                    continue;
                }
            };
            let line = rows.line();
            let Some(period) = r
                .period
                .or(default_period)
                .map(|d| d.with_day(1).unwrap_or(d))
            else {
                read.errors.push(RowError::new(
                    line,
                    Some("period"),
                    "no period: the file does not say when, so choose the period it covers",
                ));
                continue;
            };
            if r.count > MAX_COUNT || r.patients.is_some_and(|p| p > MAX_COUNT) {
                read.errors.push(RowError::new(line, Some("count"), "the count is too large"));
                continue;
            }
            let service_line = r
                .service_line
                .as_ref()
                .map(|s| s.chars().take(100).collect::<String>());
            sink.row(&[
                Some(&line.to_string()),
                Some(&r.from_npi),
                r.to_npi.as_deref(),
                r.to_facility.as_deref(),
                service_line.as_deref(),
                Some(&period.to_string()),
                Some(&r.count.to_string()),
                r.patients.map(|p| p.to_string()).as_deref(),
            ]);
        }
        progress.rows.store(read.rows as u64, Ordering::Relaxed);
        Ok(read)
    })
    .await?;
    if ctx.progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    sqlx::query("analyze stage_referrals")
        .execute(&mut *tx)
        .await?;
    for e in check_staged(&mut tx).await? {
        read.errors.push(e);
    }
    let unknown = unknown_npis(&mut tx, ctx).await?;
    let (staged, new, changed): (i64, i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where r.id is null),
                count(*) filter (where r.id is not null and (r.count, r.patients) is distinct from (st.count, st.patients))
         from stage_referrals st
         left join referrals r on r.from_npi = st.from_npi
           and coalesce(r.to_npi, '') = coalesce(st.to_npi, '')
           and coalesce(r.to_facility_id, '00000000-0000-0000-0000-000000000000'::uuid)
               = coalesce(st.facility_id, '00000000-0000-0000-0000-000000000000'::uuid)
           and coalesce(lower(r.service_line), '') = coalesce(lower(st.service_line), '')
           and r.period = st.period",
    )
    .fetch_one(&mut *tx)
    .await?;
    if !ctx.job.dry_run {
        sqlx::query(
            "insert into referrals (tenant_id, from_npi, to_npi, to_facility_id, service_line, period, count, patients, source, job_id)
             select $1, from_npi, to_npi, facility_id, service_line, period, count, patients, $2, $3
             from stage_referrals
             on conflict (tenant_id, from_npi, coalesce(to_npi, ''),
                          coalesce(to_facility_id, '00000000-0000-0000-0000-000000000000'::uuid),
                          coalesce(lower(service_line), ''), period)
             do update set count = excluded.count, patients = excluded.patients, source = excluded.source,
                           job_id = excluded.job_id, updated_at = now()
             where (referrals.count, referrals.patients) is distinct from (excluded.count, excluded.patients)",
        )
        .bind(ctx.tenant)
        .bind(read.layout.map(|l| l.label()).unwrap_or(""))
        .bind(ctx.job.id)
        .execute(&mut *tx)
        .await?;
        // The referral views read the monthly rollup: refresh the months this file named.
        crate::db::referrals::rollup::refresh_staged(&mut tx, ctx.tenant).await?;
    }
    let links = if ctx.job.dry_run {
        0
    } else {
        influence_links(&mut tx, ctx).await?
    };
    let outcome = Outcome {
        counts: Counts {
            rows_read: read.rows,
            created: new,
            updated: changed,
            unchanged: staged - new - changed,
            skipped: 0,
            failed: read.errors.failed(),
        },
        errors: read.errors.into_sorted(),
        summary: serde_json::json!({
            "layout": read.layout.map(|l| l.label()),
            "period": default_period,
            "unknown_npis": unknown,
            "influence_links": links,
        }),
    };
    finish_in(&mut tx, ctx, &outcome).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes out rows that name a facility the workspace does not have, and repeats of an
/// earlier row (same from, to and period), returning an error for each.
async fn check_staged(tx: &mut PgConnection) -> Result<Vec<RowError>, JobError> {
    sqlx::query(
        "update stage_referrals st set facility_id = f.id from facilities f
         where st.to_facility is not null and lower(f.name) = lower(st.to_facility)",
    )
    .execute(&mut *tx)
    .await?;
    let mut errors = Vec::new();
    let unknown: Vec<(i64, String)> = sqlx::query_as(
        "delete from stage_referrals where to_facility is not null and facility_id is null
         returning line, to_facility",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, name) in unknown {
        errors.push(RowError::new(
            line as u64,
            Some("to_facility"),
            format!("no facility named “{name}” in this workspace (add it under Facilities first)"),
        ));
    }
    let repeats: Vec<(i64, i64)> = sqlx::query_as(
        "with ranked as (
           select line, first_value(line) over w as first, row_number() over w as n
           from stage_referrals
           window w as (partition by from_npi, coalesce(to_npi, ''), facility_id, coalesce(lower(service_line), ''), period
                        order by line))
         delete from stage_referrals st using ranked r
         where st.line = r.line and r.n > 1
         returning st.line, r.first",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, first) in repeats {
        errors.push(RowError::new(
            line as u64,
            None,
            format!("the same referral (from, to and period) as line {first}; only line {first} was kept"),
        ));
    }
    Ok(errors)
}

/// Records the NPIs the file names that no stakeholder, organization or facility of the
/// workspace carries (for the review, and to add them from the registry); returns how many.
async fn unknown_npis(tx: &mut PgConnection, ctx: &JobContext) -> Result<i64, JobError> {
    let n = sqlx::query(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label)
         select $1, $2, 'unknown', 'npi', u.npi, 'named in ' || count(*) || ' referral rows'
         from (select from_npi as npi from stage_referrals union all
               select to_npi from stage_referrals where to_npi is not null) u
         where not exists (select 1 from stakeholders s where s.npi = u.npi)
           and not exists (select 1 from organizations o where o.npi = u.npi)
           and not exists (select 1 from facilities f where f.npi = u.npi)
         group by u.npi
         order by count(*) desc, u.npi",
    )
    .bind(ctx.tenant)
    .bind(ctx.job.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n as i64)
}

/// Referral edges between people the workspace knows become "refers to" influence links
/// (source: referral data), their strength from the pair's referrals over all periods:
/// up to 10 is 1, 50 is 2, 200 is 3, 1,000 is 4, more is 5. Links people entered by hand
/// are left alone. Returns how many links were added or changed.
async fn influence_links(tx: &mut PgConnection, ctx: &JobContext) -> Result<i64, JobError> {
    let n = sqlx::query(
        "with pairs as (
           select distinct from_npi, to_npi from stage_referrals where to_npi is not null and to_npi <> from_npi),
         totals as (
           select f.id as from_id, t.id as to_id, sum(r.count) as total
           from pairs p
           join stakeholders f on f.npi = p.from_npi
           join stakeholders t on t.npi = p.to_npi
           join referrals r on r.from_npi = p.from_npi and r.to_npi = p.to_npi
           group by f.id, t.id)
         insert into influence_links (tenant_id, id, from_id, to_id, kind, strength, source)
         select $1, gen_random_uuid(), from_id, to_id, 'refers_to',
                case when total <= 10 then 1 when total <= 50 then 2 when total <= 200 then 3
                     when total <= 1000 then 4 else 5 end, 'referrals'
         from totals
         on conflict (tenant_id, from_id, to_id, kind) do update
           set strength = excluded.strength, updated_at = now()
           where influence_links.source = 'referrals' and influence_links.strength <> excluded.strength",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n as i64)
}
