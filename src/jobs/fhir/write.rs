//! Writing what the review worked out: new records inserted, changed ones updated (only
//! where a value differs, so a re-import writes nothing), the ids the file knows them by
//! recorded in `external_ids`, and the search words of the people touched refreshed.

use sqlx::PgConnection;
use uuid::Uuid;

use super::super::{JobContext, JobError};
use super::review::{AFFILIATION_FIELDS, ORG_FIELDS, PERSON_FIELDS, differs};

fn set(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|c| format!("{c} = f.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn write(tx: &mut PgConnection, ctx: &JobContext) -> Result<(), JobError> {
    // Parents are set by the update below, once every new organization exists.
    sqlx::query(
        "insert into organizations (tenant_id, id, name, kind, npi, address_line, city, state, postal_code, phone)
         select $1, id, name, kind, npi, address_line, city, state, postal_code, phone
         from fhir_orgs where is_new order by line",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "update organizations t set {set}, updated_at = now() from fhir_orgs f
         where t.id = f.id and {differs}",
        set = set(ORG_FIELDS),
        differs = differs(ORG_FIELDS),
    ))
    .execute(&mut *tx)
    .await?;
    let inserted: Vec<Uuid> = sqlx::query_scalar(
        "insert into stakeholders (tenant_id, id, kind, prefix, first_name, middle_name, last_name, suffix,
                                   credentials, npi, taxonomy_code, emails, phones)
         select $1, id, kind, prefix, first_name, middle_name, last_name, suffix, credentials, npi, taxonomy_code,
                emails, phones
         from fhir_people where is_new order by line
         returning id",
    )
    .bind(ctx.tenant)
    .fetch_all(&mut *tx)
    .await?;
    let changed: Vec<Uuid> = sqlx::query_scalar(&format!(
        "update stakeholders t set {set}, updated_at = now() from fhir_people f
         where t.id = f.id and not f.is_new and {differs} returning t.id",
        set = set(PERSON_FIELDS),
        differs = differs(PERSON_FIELDS),
    ))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "insert into affiliations (tenant_id, id, stakeholder_id, organization_id, facility_id, role, title,
                                   starts_on, ends_on)
         select $1, id, stakeholder_id, organization_id, facility_id, role, title, starts_on, ends_on
         from fhir_affiliations where is_new order by line",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    let affiliated: Vec<Uuid> = sqlx::query_scalar(&format!(
        "with changed as (
           update affiliations t set {set}, updated_at = now() from fhir_affiliations f
           where t.id = f.id and not f.is_new and {differs} returning t.stakeholder_id)
         select stakeholder_id from changed
         union select stakeholder_id from fhir_affiliations where is_new",
        set = set(AFFILIATION_FIELDS),
        differs = differs(AFFILIATION_FIELDS),
    ))
    .fetch_all(&mut *tx)
    .await?;
    record_ids(tx, ctx).await?;
    // Names, specialties and places are search words.
    let mut ids: Vec<Uuid> = inserted
        .into_iter()
        .chain(changed)
        .chain(affiliated)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(20_000) {
        crate::db::stakeholders::refresh_terms(tx, &ctx.actor, chunk).await?;
    }
    Ok(())
}

/// Records the ids each written resource is known by (its id within its server, its
/// identifiers), so the next import of it finds the same record. A location that is no
/// facility is recorded as its managing organization.
async fn record_ids(tx: &mut PgConnection, ctx: &JobContext) -> Result<(), JobError> {
    sqlx::query(
        "insert into external_ids (tenant_id, resource, system, value, stakeholder_id, organization_id,
                                   facility_id, affiliation_id)
         select distinct on (st.resource, k.id->>'system', k.id->>'value')
                $1, st.resource, k.id->>'system', k.id->>'value',
                case when st.entity = 'stakeholder' then st.target end,
                case when st.entity = 'organization' then st.target
                     when st.entity = 'location' and st.target is null then st.organization_id end,
                case when st.entity = 'location' then st.target end,
                case when st.entity = 'affiliation' then st.target end
         from stage_fhir st
         cross join lateral jsonb_array_elements(st.ids) as k(id)
         where st.target is not null or st.organization_id is not null
         order by st.resource, k.id->>'system', k.id->>'value', st.line
         on conflict (tenant_id, resource, system, value) do update set
           stakeholder_id = excluded.stakeholder_id, organization_id = excluded.organization_id,
           facility_id = excluded.facility_id, affiliation_id = excluded.affiliation_id
         where (external_ids.stakeholder_id, external_ids.organization_id, external_ids.facility_id,
                external_ids.affiliation_id)
               is distinct from
               (excluded.stakeholder_id, excluded.organization_id, excluded.facility_id, excluded.affiliation_id)",
    )
    .bind(ctx.tenant)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
