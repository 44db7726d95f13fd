//! Importing the NPPES registry: stream the file, keep the workspace's market, COPY the kept
//! rows into a staging table, record what will change (the change review), then merge it
//! into stakeholders (individuals) and organizations in a few set-based statements.
//! Everything happens in one transaction with the job's results.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use sqlx::PgConnection;

use super::copy::{CopySink, Counting, copy_rows, word_array};
use super::source::Input;
use super::{JobContext, JobError, Outcome, RowErrors, finish_in};
use crate::db::imports::Counts;
use crate::domain::kind_for_taxonomy;
use crate::domain::search::StakeholderText;
use crate::imports::RowError;
use crate::imports::nppes::{self, Entity, Market, Provider};
use crate::imports::text::tidy_case;
use crate::postgres::tenant_tx;

const STAGE: &str = "create temp table stage_providers (
    line bigint not null, npi text not null, entity text, deactivated_on date,
    org_name text, last_name text, first_name text, middle_name text, prefix text, suffix text,
    credentials text, taxonomy_code text, address_line text, city text, state text, postal_code text,
    phone text, kind text, org_kind text, terms text[]
  ) on commit drop";

const COPY: &str = "copy stage_providers (line, npi, entity, deactivated_on, org_name, last_name, first_name,
    middle_name, prefix, suffix, credentials, taxonomy_code, address_line, city, state, postal_code, phone,
    kind, org_kind, terms) from stdin";

/// What the reader thread counted.
#[derive(Default)]
struct Read {
    rows: i64,
    outside_market: i64,
    /// Kept outside the market because referral data names them.
    from_referrals: i64,
    errors: RowErrors,
}

/// The kind of organization a registry taxonomy describes.
fn org_kind(taxonomy: Option<&str>) -> &'static str {
    match taxonomy {
        Some(t) if t.starts_with("193") => "medical_group",
        Some(t) if t.starts_with("20") || t.starts_with("261Q") || t.starts_with("36") => {
            "practice"
        }
        _ => "other",
    }
}

fn cut(s: &Option<String>, max: usize) -> Option<String> {
    s.as_ref().map(|v| v.chars().take(max).collect())
}

/// Cut and written the way people write names (the registry writes capitals).
fn tidy(s: &Option<String>, max: usize) -> Option<String> {
    cut(s, max).map(|v| tidy_case(&v))
}

/// Checks one provider and writes its staging row.
fn stage(
    p: &Provider,
    line: u64,
    specialties: &HashMap<String, String>,
    sink: &mut CopySink,
) -> Result<(), RowError> {
    // A code newer than the compiled code set is kept out rather than failing the row.
    let taxonomy = p
        .primary_taxonomy
        .as_deref()
        .filter(|t| specialties.contains_key(*t));
    let line_text = line.to_string();
    let deactivated = p.deactivated_on.map(|d| d.to_string());
    match p.entity {
        None => {
            sink.row(&[
                Some(&line_text),
                Some(&p.npi),
                None,
                deactivated.as_deref(),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ]);
        }
        Some(Entity::Individual) => {
            let (Some(first), Some(last)) = (&p.first_name, &p.last_name) else {
                return Err(RowError::new(
                    line,
                    Some(if p.last_name.is_none() {
                        "Provider Last Name (Legal Name)"
                    } else {
                        "Provider First Name"
                    }),
                    "an individual needs a first and a last name",
                ));
            };
            let first: String = tidy_case(&first.chars().take(100).collect::<String>());
            let last: String = tidy_case(&last.chars().take(100).collect::<String>());
            let middle = tidy(&p.middle_name, 100);
            let credentials = cut(&p.credentials, 100);
            let text = StakeholderText {
                first_name: &first,
                middle_name: middle.as_deref(),
                last_name: &last,
                npi: Some(&p.npi),
                credentials: credentials.as_deref(),
                tags: &[],
                specialty: taxonomy
                    .and_then(|t| specialties.get(t))
                    .map(String::as_str),
                places: &[],
            };
            let terms = word_array(text.terms());
            sink.row(&[
                Some(&line_text),
                Some(&p.npi),
                Some("individual"),
                deactivated.as_deref(),
                None,
                Some(&last),
                Some(&first),
                middle.as_deref(),
                tidy(&p.prefix, 20).as_deref(),
                cut(&p.suffix, 20).as_deref(),
                credentials.as_deref(),
                taxonomy,
                tidy(&p.address_line, 200).as_deref(),
                tidy(&p.city, 100).as_deref(),
                p.state.as_deref(),
                p.postal_code.as_deref(),
                p.phone.as_deref(),
                Some(kind_for_taxonomy(taxonomy).as_str()),
                None,
                Some(&terms),
            ]);
        }
        Some(Entity::Organization) => {
            let Some(name) = &p.organization_name else {
                return Err(RowError::new(
                    line,
                    Some("Provider Organization Name (Legal Business Name)"),
                    "an organization needs a name",
                ));
            };
            let name: String = name.chars().take(200).collect();
            sink.row(&[
                Some(&line_text),
                Some(&p.npi),
                Some("organization"),
                deactivated.as_deref(),
                Some(&name),
                None,
                None,
                None,
                None,
                None,
                None,
                taxonomy,
                tidy(&p.address_line, 200).as_deref(),
                tidy(&p.city, 100).as_deref(),
                p.state.as_deref(),
                p.postal_code.as_deref(),
                p.phone.as_deref(),
                None,
                Some(org_kind(taxonomy)),
                None,
            ]);
        }
    }
    Ok(())
}

pub async fn run(ctx: &JobContext, input: Input) -> Result<(), JobError> {
    let options = ctx.job.options();
    let market = Market {
        states: options.states.clone(),
        zip_prefixes: options.zip_prefixes.clone(),
        taxonomy_prefixes: options.taxonomy_prefixes.clone(),
    };
    let mut tx = tenant_tx(&ctx.pool, ctx.tenant).await?;
    let specialties: HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("select code, display_name from taxonomy")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    // Providers the referral data names but the workspace lacks are kept whatever the market.
    let wanted: HashSet<String> = if options.referral_npis {
        sqlx::query_scalar(
            "select r.npi from (select from_npi as npi from referrals
                                union select to_npi from referrals where to_npi is not null) r
             where not exists (select 1 from stakeholders s where s.npi = r.npi)
               and not exists (select 1 from organizations o where o.npi = r.npi)",
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect()
    } else {
        HashSet::new()
    };
    sqlx::query(STAGE).execute(&mut *tx).await?;
    let progress = ctx.progress.clone();
    let reader = input.open().map_err(|e| JobError::Internal(e.into()))?;
    let read: Read = copy_rows(&mut tx, COPY, move |sink| {
        let counting = Counting {
            inner: reader,
            progress: progress.clone(),
        };
        let mut providers = nppes::open(counting).map_err(JobError::Rejected)?;
        let mut read = Read::default();
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(item) = providers.next() {
            let line = providers.line();
            read.rows += 1;
            if progress.row_read(read.rows, sink)? {
                break;
            }
            match item {
                Err(e) => read.errors.push(e),
                Ok(p) => {
                    if !market.keeps(&p) {
                        if !wanted.contains(&p.npi) {
                            read.outside_market += 1;
                            continue;
                        }
                        read.from_referrals += 1;
                    }
                    if !seen.insert(p.npi.clone()) {
                        read.errors.push(RowError::new(
                            line,
                            Some("NPI"),
                            format!(
                                "NPI {} appears earlier in the file; this row was left out",
                                p.npi
                            ),
                        ));
                        continue;
                    }
                    if let Err(e) = stage(&p, line, &specialties, sink) {
                        read.errors.push(e);
                    }
                }
            }
        }
        progress.rows.store(read.rows as u64, Ordering::Relaxed);
        Ok(read)
    })
    .await?;
    if ctx.progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    sqlx::query("analyze stage_providers")
        .execute(&mut *tx)
        .await?;
    let review = review(&mut tx, ctx).await?;
    if !ctx.job.dry_run {
        merge(&mut tx, ctx).await?;
    }
    let outcome = Outcome {
        counts: Counts {
            rows_read: read.rows,
            created: review.new,
            updated: review.changed + review.deactivated,
            unchanged: review.staged
                - review.new
                - review.changed
                - review.deactivated
                - review.deactivated_unknown,
            skipped: read.outside_market + review.deactivated_unknown,
            failed: read.errors.failed(),
        },
        errors: read.errors.into_sorted(),
        summary: serde_json::json!({
            "outside_market": read.outside_market,
            "from_referrals": read.from_referrals,
            "deactivated": review.deactivated,
            "deactivated_not_in_workspace": review.deactivated_unknown,
        }),
    };
    finish_in(&mut tx, ctx, &outcome).await?;
    tx.commit().await?;
    Ok(())
}

struct Review {
    staged: i64,
    new: i64,
    changed: i64,
    deactivated: i64,
    deactivated_unknown: i64,
}

/// The fields compared, as (stakeholder column, staging column).
const PERSON_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "middle_name",
    "prefix",
    "suffix",
    "credentials",
    "taxonomy_code",
    "address_line",
    "city",
    "state",
    "postal_code",
];
const ORG_FIELDS: &[(&str, &str)] = &[
    ("name", "org_name"),
    ("taxonomy_code", "taxonomy_code"),
    ("address_line", "address_line"),
    ("city", "city"),
    ("state", "state"),
    ("postal_code", "postal_code"),
    ("phone", "phone"),
];

fn changed_fields(pairs: &[(&str, &str)]) -> String {
    let cases: Vec<String> = pairs
        .iter()
        .map(|(cur, new)| format!("case when t.{cur} is distinct from st.{new} then '{cur}' end"))
        .collect();
    format!(
        "array_remove(array[{}, case when t.npi_deactivated_on is not null then 'reactivated' end], null)",
        cases.join(", ")
    )
}

fn any_change(pairs: &[(&str, &str)]) -> String {
    let cur: Vec<String> = pairs.iter().map(|(c, _)| format!("t.{c}")).collect();
    let new: Vec<String> = pairs.iter().map(|(_, n)| format!("st.{n}")).collect();
    format!(
        "(({}) is distinct from ({}) or t.npi_deactivated_on is not null)",
        cur.join(", "),
        new.join(", ")
    )
}

/// Writes the change review (new, changed with the fields, deactivated) and counts it.
async fn review(tx: &mut PgConnection, ctx: &JobContext) -> Result<Review, JobError> {
    let person: Vec<(&str, &str)> = PERSON_FIELDS.iter().map(|f| (*f, *f)).collect();
    let people = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, case when t.id is null then 'new' else 'changed' end, 'stakeholder', st.npi,
                concat_ws(' ', st.first_name, st.last_name, st.credentials),
                case when t.id is null then '{{}}'::text[] else {fields} end
         from stage_providers st left join stakeholders t on t.npi = st.npi
         where st.entity = 'individual' and (t.id is null or {changed})
         order by st.line",
        fields = changed_fields(&person),
        changed = any_change(&person),
    );
    let orgs = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, case when t.id is null then 'new' else 'changed' end, 'organization', st.npi, st.org_name,
                case when t.id is null then '{{}}'::text[] else {fields} end
         from stage_providers st left join organizations t on t.npi = st.npi
         where st.entity = 'organization' and (t.id is null or {changed})
         order by st.line",
        fields = changed_fields(ORG_FIELDS),
        changed = any_change(ORG_FIELDS),
    );
    let deactivated = "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, 'deactivated', case when s.id is not null then 'stakeholder' else 'organization' end, st.npi,
                coalesce(concat_ws(' ', s.first_name, s.last_name, s.credentials), o.name),
                array['deactivated on ' || st.deactivated_on]
         from stage_providers st
         left join stakeholders s on s.npi = st.npi
         left join organizations o on o.npi = st.npi
         where st.entity is null and (s.id is not null or o.id is not null)
           and coalesce(s.npi_deactivated_on, o.npi_deactivated_on) is distinct from st.deactivated_on
         order by st.line";
    for sql in [people.as_str(), orgs.as_str(), deactivated] {
        sqlx::query(sql)
            .bind(ctx.tenant)
            .bind(ctx.job.id)
            .execute(&mut *tx)
            .await?;
    }
    let (staged, unknown): (i64, i64) = sqlx::query_as(
        "select count(*),
                count(*) filter (where st.entity is null
                  and not exists (select 1 from stakeholders s where s.npi = st.npi)
                  and not exists (select 1 from organizations o where o.npi = st.npi))
         from stage_providers st",
    )
    .fetch_one(&mut *tx)
    .await?;
    let counts: Vec<(String, i64)> = crate::db::imports::change_counts(tx, ctx.job.id).await?;
    let get = |c: &str| counts.iter().find(|(k, _)| k == c).map_or(0, |(_, n)| *n);
    Ok(Review {
        staged,
        new: get("new"),
        changed: get("changed"),
        deactivated: get("deactivated"),
        deactivated_unknown: unknown,
    })
}

/// Applies the staged registry rows. Fields people maintain by hand (emails, tags, tier,
/// kind once set) are left alone; registry facts are overwritten.
async fn merge(tx: &mut PgConnection, ctx: &JobContext) -> Result<(), JobError> {
    sqlx::query(
        "create temp table merged (id uuid not null, inserted boolean not null) on commit drop",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "with up as (
           insert into stakeholders (tenant_id, id, kind, prefix, first_name, middle_name, last_name, suffix,
                                     credentials, npi, taxonomy_code, phones, address_line, city, state, postal_code)
           select $1, gen_random_uuid(), st.kind, st.prefix, st.first_name, st.middle_name, st.last_name, st.suffix,
                  st.credentials, st.npi, st.taxonomy_code, case when st.phone is null then '{}' else array[st.phone] end,
                  st.address_line, st.city, st.state, st.postal_code
           from stage_providers st where st.entity = 'individual'
           on conflict (tenant_id, npi) where npi is not null do update set
             prefix = excluded.prefix, first_name = excluded.first_name, middle_name = excluded.middle_name,
             last_name = excluded.last_name, suffix = excluded.suffix, credentials = excluded.credentials,
             taxonomy_code = excluded.taxonomy_code, address_line = excluded.address_line, city = excluded.city,
             state = excluded.state, postal_code = excluded.postal_code, npi_deactivated_on = null, updated_at = now()
           where (stakeholders.prefix, stakeholders.first_name, stakeholders.middle_name, stakeholders.last_name,
                  stakeholders.suffix, stakeholders.credentials, stakeholders.taxonomy_code, stakeholders.address_line,
                  stakeholders.city, stakeholders.state, stakeholders.postal_code)
                 is distinct from
                 (excluded.prefix, excluded.first_name, excluded.middle_name, excluded.last_name, excluded.suffix,
                  excluded.credentials, excluded.taxonomy_code, excluded.address_line, excluded.city, excluded.state,
                  excluded.postal_code)
              or stakeholders.npi_deactivated_on is not null
           returning id, xmax = 0 as inserted)
         insert into merged select id, inserted from up",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    // New people: their search terms were worked out while reading.
    sqlx::query(
        "insert into stakeholder_terms (tenant_id, term, stakeholder_id)
         select $1, w.term, s.id
         from merged m join stakeholders s on s.id = m.id
         join stage_providers st on st.npi = s.npi
         cross join unnest(st.terms) as w(term)
         where m.inserted
         on conflict do nothing",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    // Changed people keep words from their affiliations: the usual refresh, in batches.
    let changed: Vec<uuid::Uuid> = sqlx::query_scalar("select id from merged where not inserted")
        .fetch_all(&mut *tx)
        .await?;
    for ids in changed.chunks(20_000) {
        crate::db::stakeholders::refresh_terms(tx, &ctx.actor, ids).await?;
    }
    sqlx::query(
        "insert into organizations (tenant_id, id, name, kind, npi, taxonomy_code, address_line, city, state, postal_code, phone)
         select $1, gen_random_uuid(), st.org_name, st.org_kind, st.npi, st.taxonomy_code, st.address_line, st.city,
                st.state, st.postal_code, st.phone
         from stage_providers st where st.entity = 'organization'
         on conflict (tenant_id, npi) where npi is not null do update set
           name = excluded.name, taxonomy_code = excluded.taxonomy_code, address_line = excluded.address_line,
           city = excluded.city, state = excluded.state, postal_code = excluded.postal_code, phone = excluded.phone,
           npi_deactivated_on = null, updated_at = now()
         where (organizations.name, organizations.taxonomy_code, organizations.address_line, organizations.city,
                organizations.state, organizations.postal_code, organizations.phone)
               is distinct from
               (excluded.name, excluded.taxonomy_code, excluded.address_line, excluded.city, excluded.state,
                excluded.postal_code, excluded.phone)
            or organizations.npi_deactivated_on is not null",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    for table in ["stakeholders", "organizations"] {
        // The table name is one of ours.
        sqlx::query(&format!(
            "update {table} t set npi_deactivated_on = st.deactivated_on, updated_at = now()
             from stage_providers st
             where st.entity is null and t.npi = st.npi and t.npi_deactivated_on is distinct from st.deactivated_on"
        ))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
