//! References resolved in one round: each reference (the keys `stage.rs` wrote) is looked
//! up within the file first (the staged row its keys name), then in the workspace (an id an
//! earlier import recorded, an NPI); the rows left dangling are row errors naming the
//! reference, and leave the staging table.

use sqlx::PgConnection;

use super::super::JobError;
use super::exec;
use crate::imports::RowError;

fn not_found(label: &str) -> String {
    format!("“{label}” was not found in this file or in the workspace, or could not be imported")
}

/// Flattens every reference once, before the rounds: `fhir_refs` one row per reference
/// (`field` parent, practitioner or place, `n` a place's position), `fhir_ref_keys` its keys
/// within the file, and `fhir_ref_db` what it names in the workspace (a recorded id, else an
/// NPI), which no round changes. Each table is keyed by (line, field, n), so the joins of a
/// round meet one row each.
pub(super) async fn flatten(tx: &mut PgConnection) -> Result<(), JobError> {
    exec(
        tx,
        "create temp table fhir_refs on commit drop as
         select line, 'parent' as field, 1::bigint as n, 'organization' as entity, 'Organization' as resource,
                parent as ref
         from stage_fhir where parent is not null
         union all
         select line, 'practitioner', 1, 'stakeholder', 'Practitioner', practitioner
         from stage_fhir where practitioner is not null
         union all
         select st.line, 'place', pl.n, lower(pl.ref->>'kind'), pl.ref->>'kind', pl.ref
         from stage_fhir st cross join lateral jsonb_array_elements(st.places) with ordinality as pl(ref, n)
         where st.places is not null",
    )
    .await?;
    exec(
        tx,
        "create temp table fhir_ref_keys on commit drop as
         select r.line, r.field, r.n, r.entity, k.key
         from fhir_refs r cross join lateral jsonb_array_elements_text(r.ref->'keys') as k(key)",
    )
    .await?;
    exec(
        tx,
        "create temp table fhir_ref_db on commit drop as
         with recorded as (
           select distinct on (r.line, r.field, r.n) r.line, r.field, r.n,
                  x.stakeholder_id, x.organization_id, x.facility_id
           from fhir_refs r
           cross join lateral jsonb_array_elements(r.ref->'ids') with ordinality as k(id, o)
           join external_ids x on x.resource = r.resource
             and x.system = k.id->>'system' and x.value = k.id->>'value'
           order by r.line, r.field, r.n, k.o)
         select r.line, r.field, r.n,
                coalesce(s.merged_into, s.id, sn.id) as person,
                coalesce(x.organization_id, o.id) as org,
                coalesce(x.facility_id, f.id) as fac
         from fhir_refs r
         left join recorded x on x.line = r.line and x.field = r.field and x.n = r.n
         left join stakeholders s on s.id = x.stakeholder_id
         left join stakeholders sn on r.entity = 'stakeholder' and sn.npi = r.ref->>'npi'
         left join organizations o on r.entity = 'organization' and o.npi = r.ref->>'npi'
         left join facilities f on r.entity = 'location' and f.npi = r.ref->>'npi'",
    )
    .await?;
    exec(
        tx,
        "create temp table fhir_resolved (
           line bigint not null, field text not null, n bigint not null, person uuid, org uuid, fac uuid,
           primary key (line, field, n)) on commit drop",
    )
    .await?;
    for table in ["fhir_refs", "fhir_ref_keys", "fhir_ref_db"] {
        exec(tx, &format!("analyze {table}")).await?;
    }
    Ok(())
}

/// Resolves every reference of the rows still staged into `fhir_resolved`.
async fn resolve_all(tx: &mut PgConnection) -> Result<(), JobError> {
    exec(tx, "truncate fhir_resolved").await?;
    exec(
        tx,
        "with file as (
           select distinct on (rk.line, rk.field, rk.n) rk.line, rk.field, rk.n, t.target, t.organization_id
           from fhir_ref_keys rk
           join fhir_keys fk on fk.entity = rk.entity and fk.key = rk.key
           join stage_fhir t on t.line = fk.line
           where rk.entity <> 'location' or num_nonnulls(t.target, t.organization_id) > 0
           order by rk.line, rk.field, rk.n, t.line)
         insert into fhir_resolved (line, field, n, person, org, fac)
         select r.line, r.field, r.n,
                case when r.entity = 'stakeholder' then coalesce(f.target, d.person) end,
                case when r.entity = 'organization' then coalesce(f.target, d.org)
                     when r.entity = 'location' and f.line is not null then
                       case when f.target is null then f.organization_id end
                     when r.entity = 'location' then case when d.fac is null then d.org end end,
                case when r.entity = 'location' then case when f.line is not null then f.target else d.fac end end
         from fhir_refs r
         join stage_fhir st on st.line = r.line
         left join file f on f.line = r.line and f.field = r.field and f.n = r.n
         left join fhir_ref_db d on d.line = r.line and d.field = r.field and d.n = r.n",
    )
    .await?;
    Ok(())
}

/// Step 4, one round: resolves every reference (within the file first: the staged row its
/// keys name; then in the workspace) and takes out the rows left dangling; returns how many
/// were taken out. A Location names a facility, else the organization managing it.
pub(super) async fn references(
    tx: &mut PgConnection,
    errors: &mut Vec<RowError>,
) -> Result<u64, JobError> {
    // Locations are places through their organizations: those first.
    resolve_all(tx).await?;
    exec(
        tx,
        "update stage_fhir st set parent_id = case when st.entity = 'organization' then r.org end,
                organization_id = case when st.entity = 'location' then r.org end
         from fhir_resolved r
         where r.line = st.line and r.field = 'parent' and st.entity in ('organization', 'location')",
    )
    .await?;
    resolve_all(tx).await?;
    exec(
        tx,
        "update stage_fhir st set stakeholder_id = r.person from fhir_resolved r
         where r.line = st.line and r.field = 'practitioner' and st.entity = 'affiliation'",
    )
    .await?;
    exec(
        tx,
        "update stage_fhir set organization_id = null, facility_id = null where entity = 'affiliation'",
    )
    .await?;
    // The first place that is one of the workspace's facilities, else the first that resolves.
    exec(
        tx,
        "update stage_fhir st set organization_id = p.org, facility_id = p.fac from (
           select distinct on (r.line) r.line, r.org, r.fac from fhir_resolved r
           where r.field = 'place' and num_nonnulls(r.org, r.fac) > 0
           order by r.line, r.fac is null, r.n) p
         where p.line = st.line and st.entity = 'affiliation'",
    )
    .await?;
    let mut failed = 0;
    let orgs: Vec<(i64, String, bool)> = sqlx::query_as(
        "delete from stage_fhir where entity = 'organization' and parent is not null
           and (parent_id is null or parent_id = target)
         returning line, parent->>'label', parent_id is not null",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, label, itself) in orgs {
        failed += 1;
        let reason = if itself {
            format!("“{label}” is this organization itself")
        } else {
            not_found(&label)
        };
        errors.push(RowError::new(line as u64, Some("partOf"), reason));
    }
    let locations: Vec<(i64, String)> = sqlx::query_as(
        "delete from stage_fhir where entity = 'location' and target is null and organization_id is null
         returning line, parent->>'label'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, label) in locations {
        failed += 1;
        errors.push(RowError::new(
            line as u64,
            Some("managingOrganization"),
            format!(
                "{}; the location is no facility of the workspace either",
                not_found(&label)
            ),
        ));
    }
    let roles: Vec<(i64, Option<String>, bool, serde_json::Value)> = sqlx::query_as(
        "delete from stage_fhir where entity = 'affiliation'
           and (stakeholder_id is null or num_nonnulls(organization_id, facility_id) = 0)
         returning line, practitioner->>'label', stakeholder_id is null, places",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (line, practitioner, unresolved, places) in roles {
        failed += 1;
        errors.push(role_error(line as u64, practitioner, unresolved, &places));
    }
    Ok(failed)
}

/// Why a role became no affiliation: its practitioner first, then its places.
fn role_error(
    line: u64,
    practitioner: Option<String>,
    unresolved: bool,
    places: &serde_json::Value,
) -> RowError {
    match practitioner {
        None => return RowError::new(line, Some("practitioner"), "a role needs a practitioner"),
        Some(label) if unresolved => {
            return RowError::new(line, Some("practitioner"), not_found(&label));
        }
        Some(_) => {}
    }
    let places = places.as_array().map(Vec::as_slice).unwrap_or_default();
    let Some(first) = places.first() else {
        return RowError::new(
            line,
            Some("organization"),
            "a role needs an organization or a location",
        );
    };
    let column = if first["kind"] == "Location" {
        "location"
    } else {
        "organization"
    };
    let labels: Vec<&str> = places.iter().filter_map(|p| p["label"].as_str()).collect();
    let reason = match labels.as_slice() {
        [one] => not_found(one),
        many => format!(
            "none of “{}” was found in this file or in the workspace (or they could not be imported)",
            many.join("”, “")
        ),
    };
    RowError::new(line, Some(column), reason)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_role_error_names_what_did_not_resolve() {
        let places = json!([
            {"kind": "Organization", "label": "Organization/f001"},
            {"kind": "Location", "label": "Location/1"},
        ]);
        let e = role_error(3, None, true, &places);
        assert_eq!(e.column.as_deref(), Some("practitioner"));
        let e = role_error(3, Some("Practitioner/x".into()), true, &places);
        assert!(
            e.reason.contains("“Practitioner/x” was not found"),
            "{}",
            e.reason
        );
        let e = role_error(3, Some("Practitioner/x".into()), false, &places);
        assert_eq!(e.column.as_deref(), Some("organization"));
        assert!(
            e.reason
                .starts_with("none of “Organization/f001”, “Location/1” was found"),
            "{}",
            e.reason
        );
        let e = role_error(3, Some("Practitioner/x".into()), false, &json!([]));
        assert_eq!(e.reason, "a role needs an organization or a location");
        let one = json!([{"kind": "Location", "label": "Location/1"}]);
        let e = role_error(3, Some("Practitioner/x".into()), false, &one);
        assert_eq!(e.column.as_deref(), Some("location"));
        assert!(e.reason.starts_with("“Location/1” was not found"));
    }
}
