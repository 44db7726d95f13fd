//! Who each staged resource is, and what its references name, in set-based steps:
//! 1. existing records: by NPI, then by an id an earlier import recorded (`external_ids`),
//!    then by name (organizations without an NPI, the workspace's facilities);
//! 2. repeats in the file (the same NPI, id, identifier or organization name) keep the first
//!    line; the others are row errors, and references to them go to the first;
//! 3. new stakeholders and organizations get their ids now, so references resolve in a dry
//!    run too;
//! 4. references, first within the file, then in the workspace; a row whose reference
//!    resolves nowhere is a row error naming it and leaves the staging table, which may
//!    leave another reference dangling, so this repeats until nothing more fails;
//! 5. affiliations: by recorded id, else an unclaimed affiliation of the same person, place
//!    and role.

use sqlx::PgConnection;

use super::super::JobError;
use super::exec;
use super::references::{flatten, references};
use crate::imports::RowError;

/// The record each entity becomes: (entity, table, `external_ids` column, id expression).
const TARGETS: &[(&str, &str, &str, &str)] = &[
    (
        "stakeholder",
        "stakeholders",
        "stakeholder_id",
        "coalesce(t.merged_into, t.id)",
    ),
    ("organization", "organizations", "organization_id", "t.id"),
    ("location", "facilities", "facility_id", "t.id"),
    ("affiliation", "affiliations", "affiliation_id", "t.id"),
];

/// What resolution left out of the staging table.
#[derive(Default)]
pub(super) struct Resolved {
    pub errors: Vec<RowError>,
    /// Locations that are no facility of the workspace and name no managing organization.
    pub skipped_locations: i64,
}

pub(super) async fn resolve(tx: &mut PgConnection) -> Result<Resolved, JobError> {
    let mut out = Resolved::default();
    existing(tx).await?;
    exec(
        tx,
        "create temp table fhir_keys on commit drop as
         select entity, k as key, line from stage_fhir cross join unnest(keys) as k",
    )
    .await?;
    exec(tx, "create index on fhir_keys (entity, key)").await?;
    exec(tx, "analyze fhir_keys").await?;
    repeats(tx, &mut out.errors).await?;
    exec(
        tx,
        "update stage_fhir set target = gen_random_uuid(), is_new = true
         where entity in ('stakeholder', 'organization') and target is null",
    )
    .await?;
    let nameless: Vec<i64> = sqlx::query_scalar(
        "delete from stage_fhir where entity = 'stakeholder' and is_new and first_name is null returning line",
    )
    .fetch_all(&mut *tx)
    .await?;
    for line in nameless {
        out.errors.push(RowError::new(
            line as u64,
            Some("name.given"),
            "a new stakeholder needs a given name (name.given)",
        ));
    }
    let taken: Vec<(i64, String)> = sqlx::query_as(
        "delete from stage_fhir st using organizations o
         where st.entity = 'organization' and not st.is_new and o.id = st.target and o.npi is null
           and st.npi is null and lower(o.name) <> lower(st.name)
           and exists (select 1 from organizations x where x.npi is null and lower(x.name) = lower(st.name) and x.id <> o.id)
         returning st.line, st.name",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, name) in taken {
        out.errors.push(RowError::new(
            line as u64,
            Some("name"),
            format!("another organization without an NPI is already named “{name}”"),
        ));
    }
    out.skipped_locations = exec(
        tx,
        "delete from stage_fhir where entity = 'location' and target is null and parent is null",
    )
    .await? as i64;
    flatten(tx).await?;
    // Each round takes out at least one row, or ends.
    while references(tx, &mut out.errors).await? > 0 {}
    affiliations(tx, &mut out.errors).await?;
    out.errors.sort_by_key(|e| e.line);
    Ok(out)
}

/// Step 1: the records the workspace already has.
async fn existing(tx: &mut PgConnection) -> Result<(), JobError> {
    for table in ["stakeholders", "organizations"] {
        let entity = table.trim_end_matches('s');
        exec(
            tx,
            &format!(
                "update stage_fhir st set target = t.id from {table} t
                 where st.entity = '{entity}' and st.npi is not null and t.npi = st.npi"
            ),
        )
        .await?;
    }
    exec(
        tx,
        "create temp table fhir_ids on commit drop as
         select st.line, st.entity, st.resource, k.n, k.id->>'system' as system, k.id->>'value' as value
         from stage_fhir st cross join lateral jsonb_array_elements(st.ids) with ordinality as k(id, n)",
    )
    .await?;
    exec(tx, "analyze fhir_ids").await?;
    for (entity, table, column, id) in TARGETS {
        exec(
            tx,
            &format!(
                "update stage_fhir st set target = m.id from (
                   select distinct on (i.line) i.line, {id} as id
                   from fhir_ids i
                   join external_ids x on x.resource = i.resource and x.system = i.system and x.value = i.value
                   join {table} t on t.id = x.{column}
                   where i.entity = '{entity}'
                   order by i.line, i.n) m
                 where st.line = m.line and st.target is null"
            ),
        )
        .await?;
    }
    exec(
        tx,
        "update stage_fhir st set target = o.id from organizations o
         where st.entity = 'organization' and st.target is null and st.npi is null and o.npi is null
           and lower(o.name) = lower(st.name)",
    )
    .await?;
    exec(
        tx,
        "update stage_fhir st set target = f.id from facilities f
         where st.entity = 'location' and st.target is null and st.name is not null
           and lower(f.name) = lower(st.name)",
    )
    .await?;
    Ok(())
}

/// Step 2: rows that share a key or a record with an earlier row of the same entity.
async fn repeats(tx: &mut PgConnection, errors: &mut Vec<RowError>) -> Result<(), JobError> {
    exec(tx, "update stage_fhir set first_line = line").await?;
    exec(
        tx,
        "update stage_fhir st set first_line = b.first from (
           select k.line, min(f.first) as first
           from fhir_keys k
           join (select entity, key, min(line) as first from fhir_keys group by entity, key) f
             on f.entity = k.entity and f.key = k.key
           group by k.line) b
         where b.line = st.line and b.first < st.first_line",
    )
    .await?;
    exec(
        tx,
        "update stage_fhir st set first_line = b.first from (
           select line, min(line) over (partition by entity, target) as first
           from stage_fhir where target is not null) b
         where b.line = st.line and b.first < st.first_line",
    )
    .await?;
    // A repeat of a repeat points at the first of them.
    while exec(
        tx,
        "update stage_fhir st set first_line = f.first_line from stage_fhir f
         where f.line = st.first_line and f.first_line < st.first_line",
    )
    .await?
        > 0
    {}
    report_repeats(tx, errors).await
}

/// Reports the rows whose `first_line` is another, points their keys at the first row, and
/// takes them out.
async fn report_repeats(tx: &mut PgConnection, errors: &mut Vec<RowError>) -> Result<(), JobError> {
    let repeated: Vec<(i64, i64, String)> = sqlx::query_as(
        "select line, first_line, resource from stage_fhir where first_line <> line order by line",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, first, resource) in repeated {
        errors.push(RowError::new(
            line as u64,
            None,
            format!(
                "the same {resource} as line {first} (the same NPI, id, identifier, name or record); only line {first} was imported"
            ),
        ));
    }
    exec(
        tx,
        "update fhir_keys k set line = st.first_line from stage_fhir st
         where st.line = k.line and st.first_line <> st.line",
    )
    .await?;
    exec(tx, "delete from stage_fhir where first_line <> line").await?;
    Ok(())
}

/// Step 5: the affiliation each role becomes.
async fn affiliations(tx: &mut PgConnection, errors: &mut Vec<RowError>) -> Result<(), JobError> {
    // An affiliation no recorded id claims, of the same person, place and role.
    exec(
        tx,
        "update stage_fhir st set target = m.id from (
           select distinct on (st.line) st.line, a.id
           from stage_fhir st
           join affiliations a on a.stakeholder_id = st.stakeholder_id
             and a.organization_id is not distinct from st.organization_id
             and a.facility_id is not distinct from st.facility_id
             and a.role = coalesce(st.role, 'practices_at')
           where st.entity = 'affiliation' and st.target is null
             and not exists (select 1 from external_ids x where x.affiliation_id = a.id)
           order by st.line, a.created_at, a.id) m
         where st.line = m.line",
    )
    .await?;
    exec(
        tx,
        "update stage_fhir st set first_line = b.first from (
           select line, min(line) over (partition by target) as first
           from stage_fhir where entity = 'affiliation' and target is not null) b
         where b.line = st.line and b.first < st.first_line",
    )
    .await?;
    report_repeats(tx, errors).await?;
    exec(
        tx,
        "update stage_fhir set target = gen_random_uuid(), is_new = true
         where entity = 'affiliation' and target is null",
    )
    .await?;
    Ok(())
}
