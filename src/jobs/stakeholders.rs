//! Importing a CSV of stakeholders from another system with the column mapping the admin
//! confirmed: rows match existing people by NPI, else by email; only the mapped fields are
//! written (a column the file does not have never blanks what Rapport holds); an
//! organization named in the row is found by name or created, and the person affiliated.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use sqlx::PgConnection;

use super::copy::{Counting, copy_rows};
use super::source::Input;
use super::{JobContext, JobError, Outcome, RowErrors, finish_in};
use crate::db::imports::Counts;
use crate::domain::{StakeholderKind, kind_for_taxonomy};
use crate::imports::RowError;
use crate::imports::stakeholders::{self, Field, Mapping};
use crate::postgres::tenant_tx;

const STAGE: &str = "create temp table stage_people (
    line bigint not null, npi text, email text, kind text not null, prefix text, first_name text not null,
    middle_name text, last_name text not null, suffix text, credentials text, taxonomy_code text,
    emails text[] not null, phones text[] not null, tags text[] not null, tier text, preferred_channel text,
    org_name text, address_line text, city text, state text, postal_code text, match_id uuid
  ) on commit drop";

const COPY: &str = "copy stage_people (line, npi, email, kind, prefix, first_name, middle_name, last_name, suffix,
    credentials, taxonomy_code, emails, phones, tags, tier, preferred_channel, org_name, address_line, city, state,
    postal_code) from stdin";

/// The stakeholder columns a mapped field writes (names are always mapped).
fn columns(field: Field) -> &'static [&'static str] {
    match field {
        Field::FirstName | Field::LastName | Field::FullName => &["first_name", "last_name"],
        Field::MiddleName => &["middle_name"],
        Field::Prefix => &["prefix"],
        Field::Suffix => &["suffix"],
        Field::Credentials => &["credentials"],
        Field::Npi => &["npi"],
        Field::Email => &["emails"],
        Field::Phone => &["phones"],
        Field::Kind => &["kind"],
        Field::TaxonomyCode => &["taxonomy_code"],
        Field::Tags => &["tags"],
        Field::Tier => &["tier"],
        Field::PreferredChannel => &["preferred_channel"],
        Field::AddressLine => &["address_line"],
        Field::City => &["city"],
        Field::State => &["state"],
        Field::PostalCode => &["postal_code"],
        Field::OrganizationName | Field::Ignore => &[],
    }
}

/// Columns holding arrays (a file's empty cell leaves them as they are, like a blank one).
const ARRAYS: &[&str] = &["emails", "phones", "tags"];

/// What a mapped column becomes for a matched person: the file's value, or what Rapport
/// holds when the file's cell is blank.
fn incoming(c: &str) -> String {
    if ARRAYS.contains(&c) {
        format!("(case when cardinality(st.{c}) > 0 then st.{c} else s.{c} end)")
    } else {
        format!("coalesce(st.{c}, s.{c})")
    }
}

/// An array literal for COPY from free text (quoted, with `"` and `\` escaped).
fn text_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

#[derive(Default)]
struct Read {
    rows: i64,
    errors: RowErrors,
}

pub async fn run(ctx: &JobContext, input: Input) -> Result<(), JobError> {
    let options = ctx.job.options();
    let mapping = Mapping::from_keys(&options.mapping).map_err(JobError::Rejected)?;
    let mut tx = tenant_tx(&ctx.pool, ctx.tenant).await?;
    let known: HashSet<String> = sqlx::query_scalar("select code from taxonomy")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    sqlx::query(STAGE).execute(&mut *tx).await?;
    let progress = ctx.progress.clone();
    let reader = input.open().map_err(|e| JobError::Internal(e.into()))?;
    let the_mapping = mapping.clone();
    let mut read: Read = copy_rows(&mut tx, COPY, move |sink| {
        let counting = Counting {
            inner: reader,
            progress: progress.clone(),
        };
        let rows = stakeholders::open(counting, &the_mapping).map_err(JobError::Rejected)?;
        let mut read = Read::default();
        for item in rows {
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
            if let Some(t) = &r.taxonomy_code
                && !known.contains(t)
            {
                read.errors.push(RowError::new(
                    r.line,
                    Some("taxonomy"),
                    format!("“{t}” is not a taxonomy code in the NUCC code set"),
                ));
                continue;
            }
            let kind = r.kind.unwrap_or(match (&r.taxonomy_code, &r.npi) {
                (Some(t), _) => kind_for_taxonomy(Some(t)),
                (None, Some(_)) => StakeholderKind::Physician,
                (None, None) => StakeholderKind::Staff,
            });
            sink.row(&[
                Some(&r.line.to_string()),
                r.npi.as_deref(),
                r.emails.first().map(String::as_str),
                Some(kind.as_str()),
                r.prefix.as_deref(),
                Some(&r.first_name),
                r.middle_name.as_deref(),
                Some(&r.last_name),
                r.suffix.as_deref(),
                r.credentials.as_deref(),
                r.taxonomy_code.as_deref(),
                Some(&text_array(&r.emails)),
                Some(&text_array(&r.phones)),
                Some(&text_array(&r.tags)),
                r.tier.map(|t| t.as_str()),
                r.preferred_channel.map(|c| c.as_str()),
                r.organization_name.as_deref(),
                r.address_line.as_deref(),
                r.city.as_deref(),
                r.state.as_deref(),
                r.postal_code.as_deref(),
            ]);
        }
        progress.rows.store(read.rows as u64, Ordering::Relaxed);
        Ok(read)
    })
    .await?;
    if ctx.progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    sqlx::query("analyze stage_people")
        .execute(&mut *tx)
        .await?;
    for e in match_people(&mut tx).await? {
        read.errors.push(e);
    }
    let written: Vec<&str> = mapping
        .fields()
        .iter()
        .flat_map(|f| columns(*f).iter().copied())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (new, changed, staged) = review(&mut tx, ctx, &written).await?;
    let with_orgs = mapping.fields().contains(&Field::OrganizationName);
    if !ctx.job.dry_run {
        merge(&mut tx, ctx, &written, with_orgs).await?;
    }
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
        summary: serde_json::json!({ "mapping": options.mapping }),
    };
    finish_in(&mut tx, ctx, &outcome).await?;
    tx.commit().await?;
    Ok(())
}

/// Finds each row's stakeholder (NPI first, then any of their emails) and takes out rows
/// that repeat an earlier one (same NPI or email, or the same person twice).
async fn match_people(tx: &mut PgConnection) -> Result<Vec<RowError>, JobError> {
    sqlx::query(
        "update stage_people st set match_id = s.id from stakeholders s where st.npi is not null and s.npi = st.npi",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update stage_people st set match_id = x.id
         from (select s.id, lower(e) as email from stakeholders s cross join unnest(s.emails) as e) x
         where st.match_id is null and st.email is not null and x.email = st.email",
    )
    .execute(&mut *tx)
    .await?;
    let repeats: Vec<(i64, i64)> = sqlx::query_as(
        "with keyed as (
           select line, coalesce(match_id::text, 'npi:' || npi, 'email:' || email) as key from stage_people),
         ranked as (
           select line, first_value(line) over w as first, row_number() over w as n
           from keyed where key is not null window w as (partition by key order by line))
         delete from stage_people st using ranked r where st.line = r.line and r.n > 1
         returning st.line, r.first",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(repeats
        .into_iter()
        .map(|(line, first)| {
            RowError::new(
                line as u64,
                None,
                format!("the same person as line {first} (same NPI or email); only line {first} was imported"),
            )
        })
        .collect())
}

/// Writes the change review; returns (new, changed, staged).
async fn review(
    tx: &mut PgConnection,
    ctx: &JobContext,
    written: &[&str],
) -> Result<(i64, i64, i64), JobError> {
    // Column names are ours (from `columns`), never input.
    let cases: Vec<String> = written
        .iter()
        .map(|c| {
            format!(
                "case when s.{c} is distinct from {} then '{c}' end",
                incoming(c)
            )
        })
        .collect();
    let sql = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, case when s.id is null then 'new' else 'changed' end, 'stakeholder', st.npi,
                concat_ws(' ', st.first_name, st.last_name, st.credentials),
                case when s.id is null then '{{}}'::text[] else array_remove(array[{cases}], null) end
         from stage_people st left join stakeholders s on s.id = st.match_id
         where s.id is null or ({current}) is distinct from ({staged})
         order by st.line",
        cases = cases.join(", "),
        current = written.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", "),
        staged = written.iter().map(|c| incoming(c)).collect::<Vec<_>>().join(", "),
    );
    sqlx::query(&sql)
        .bind(ctx.tenant)
        .bind(ctx.job.id)
        .execute(&mut *tx)
        .await?;
    let counts = crate::db::imports::change_counts(tx, ctx.job.id).await?;
    let get = |c: &str| counts.iter().find(|(k, _)| k == c).map_or(0, |(_, n)| *n);
    let staged: i64 = sqlx::query_scalar("select count(*) from stage_people")
        .fetch_one(&mut *tx)
        .await?;
    Ok((get("new"), get("changed"), staged))
}

async fn merge(
    tx: &mut PgConnection,
    ctx: &JobContext,
    written: &[&str],
    with_orgs: bool,
) -> Result<(), JobError> {
    let set: Vec<String> = written
        .iter()
        .map(|c| format!("{c} = {}", incoming(c)))
        .collect();
    let current: Vec<String> = written.iter().map(|c| format!("s.{c}")).collect();
    let staged: Vec<String> = written.iter().map(|c| incoming(c)).collect();
    let changed: Vec<uuid::Uuid> = sqlx::query_scalar(&format!(
        "update stakeholders s set {set}, updated_at = now() from stage_people st
         where s.id = st.match_id and ({current}) is distinct from ({staged}) returning s.id",
        set = set.join(", "),
        current = current.join(", "),
        staged = staged.join(", "),
    ))
    .fetch_all(&mut *tx)
    .await?;
    let inserted: Vec<uuid::Uuid> = sqlx::query_scalar(
        "with new as (
           update stage_people set match_id = gen_random_uuid() where match_id is null returning *)
         insert into stakeholders (tenant_id, id, kind, prefix, first_name, middle_name, last_name, suffix, credentials,
                                   npi, taxonomy_code, emails, phones, tags, tier, preferred_channel, address_line, city,
                                   state, postal_code)
         select $1, match_id, kind, prefix, first_name, middle_name, last_name, suffix, credentials, npi, taxonomy_code,
                emails, phones, tags, tier, preferred_channel, address_line, city, state, postal_code
         from new returning id",
    )
    .bind(ctx.tenant)
    .fetch_all(&mut *tx)
    .await?;
    if with_orgs {
        sqlx::query(
            "insert into organizations (tenant_id, id, name, kind)
             select distinct on (lower(st.org_name)) $1, gen_random_uuid(), st.org_name, 'practice'
             from stage_people st
             where st.org_name is not null
               and not exists (select 1 from organizations o where lower(o.name) = lower(st.org_name))
             order by lower(st.org_name), st.line",
        )
        .bind(ctx.tenant)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into affiliations (tenant_id, id, stakeholder_id, organization_id, role)
             select distinct on (st.match_id) $1, gen_random_uuid(), st.match_id, o.id, 'practices_at'
             from stage_people st
             join lateral (select id from organizations o where lower(o.name) = lower(st.org_name)
                           order by o.npi nulls first, o.created_at limit 1) o on true
             where st.org_name is not null
               and not exists (select 1 from affiliations a where a.stakeholder_id = st.match_id
                               and a.organization_id = o.id and (a.ends_on is null or a.ends_on >= current_date))
             order by st.match_id",
        )
        .bind(ctx.tenant)
        .execute(&mut *tx)
        .await?;
    }
    let mut ids: Vec<uuid::Uuid> = changed.into_iter().chain(inserted).collect();
    if with_orgs {
        // Places are search words: everyone affiliated from this file.
        ids = sqlx::query_scalar(
            "select distinct match_id from stage_people where match_id is not null",
        )
        .fetch_all(&mut *tx)
        .await?;
    }
    for chunk in ids.chunks(20_000) {
        crate::db::stakeholders::refresh_terms(tx, &ctx.actor, chunk).await?;
    }
    Ok(())
}
