//! What the import will make of each record, worked out before anything is written: one row
//! per stakeholder, organization and affiliation in `fhir_people`, `fhir_orgs` and
//! `fhir_affiliations` (keyed by the record's id, so the joins below meet one row each) holding
//! the values the record will have. The change review compares them with what the workspace
//! holds; the merge (`write.rs`) writes the ones that differ. A value the file does not supply
//! keeps what the workspace holds.

use sqlx::PgConnection;

use super::super::{JobContext, JobError};
use super::exec;

/// The stakeholder columns compared; `kind` is set on creation only.
pub(super) const PERSON_FIELDS: &[&str] = &[
    "prefix",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "credentials",
    "npi",
    "taxonomy_code",
    "emails",
    "phones",
];
/// The organization columns compared; `kind` is set on creation only.
pub(super) const ORG_FIELDS: &[&str] = &[
    "name",
    "npi",
    "parent_id",
    "address_line",
    "city",
    "state",
    "postal_code",
    "phone",
];
pub(super) const AFFILIATION_FIELDS: &[&str] = &[
    "stakeholder_id",
    "organization_id",
    "facility_id",
    "role",
    "title",
    "starts_on",
    "ends_on",
];

/// `(t.a, t.b) is distinct from (f.a, f.b)`: the record `t` differs from its final state `f`.
pub(super) fn differs(fields: &[&str]) -> String {
    let side = |p: &str| {
        fields
            .iter()
            .map(|c| format!("{p}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) is distinct from ({})", side("t"), side("f"))
}

/// The names of the fields that differ, as a text array.
fn changed(fields: &[&str]) -> String {
    let cases: Vec<String> = fields
        .iter()
        .map(|c| format!("case when t.{c} is distinct from f.{c} then '{c}' end"))
        .collect();
    format!("array_remove(array[{}]::text[], null)", cases.join(", "))
}

/// New text items (compared without case) after the ones already held.
fn appended(held: &str, new: &str) -> String {
    format!(
        "coalesce({held}, '{{}}') || array(
           select d.e from (select distinct on (lower(u.e)) u.e, u.n from unnest({new}) with ordinality as u(e, n)
                            order by lower(u.e), u.n) d
           where lower(d.e) <> all (select lower(h) from unnest(coalesce({held}, '{{}}')) as h)
           order by d.n)"
    )
}

/// The counts of the change review.
pub(super) struct Review {
    pub new: i64,
    pub changed: i64,
    pub deactivated: i64,
}

/// Builds the final states, writes the change review and counts it.
pub(super) async fn review(
    tx: &mut PgConnection,
    ctx: &JobContext,
    kinds: &[(String, String)],
) -> Result<Review, JobError> {
    people(tx, kinds).await?;
    organizations(tx).await?;
    affiliations(tx).await?;
    for sql in changes() {
        sqlx::query(&sql)
            .bind(ctx.tenant)
            .bind(ctx.job.id)
            .execute(&mut *tx)
            .await?;
    }
    let counts = crate::db::imports::change_counts(tx, ctx.job.id).await?;
    let get = |c: &str| counts.iter().find(|(k, _)| k == c).map_or(0, |(_, n)| *n);
    Ok(Review {
        new: get("new"),
        changed: get("changed"),
        deactivated: get("deactivated"),
    })
}

/// Practitioners, and the people whose roles bring a specialty they lack. A role's NUCC
/// code (one the code set knows) fills a missing specialty; it never replaces one. A new
/// person's kind follows that specialty (physician without one).
async fn people(tx: &mut PgConnection, kinds: &[(String, String)]) -> Result<(), JobError> {
    exec(
        tx,
        "create temp table fhir_people (
           id uuid primary key, line bigint not null, is_new boolean not null, kind text,
           prefix text, first_name text, middle_name text, last_name text, suffix text, credentials text,
           npi text, taxonomy_code text, emails text[], phones text[]) on commit drop",
    )
    .await?;
    exec(
        tx,
        &format!(
            "insert into fhir_people
             select st.target, st.line, st.is_new, null,
                    coalesce(st.prefix, t.prefix), coalesce(st.first_name, t.first_name),
                    coalesce(st.middle_name, t.middle_name), coalesce(st.last_name, t.last_name),
                    coalesce(st.suffix, t.suffix), coalesce(st.credentials, t.credentials),
                    coalesce(t.npi, st.npi), t.taxonomy_code, {emails}, {phones}
             from stage_fhir st left join stakeholders t on t.id = st.target
             where st.entity = 'stakeholder'",
            emails = appended("t.emails", "st.emails"),
            phones = appended("t.phones", "st.phones"),
        ),
    )
    .await?;
    exec(
        tx,
        "insert into fhir_people
         select distinct on (t.id) t.id, st.line, false, null, t.prefix, t.first_name, t.middle_name,
                t.last_name, t.suffix, t.credentials, t.npi, t.taxonomy_code, t.emails, t.phones
         from stage_fhir st
         join stakeholders t on t.id = st.stakeholder_id
         join taxonomy x on x.code = st.taxonomy
         where st.entity = 'affiliation' and t.taxonomy_code is null
           and not exists (select 1 from fhir_people p where p.id = t.id)
         order by t.id, st.line",
    )
    .await?;
    exec(
        tx,
        "update fhir_people p set taxonomy_code = r.code from (
           select distinct on (st.stakeholder_id) st.stakeholder_id, x.code
           from stage_fhir st join taxonomy x on x.code = st.taxonomy
           where st.entity = 'affiliation'
           order by st.stakeholder_id, st.line) r
         where p.id = r.stakeholder_id and p.taxonomy_code is null",
    )
    .await?;
    let (codes, names): (Vec<&str>, Vec<&str>) =
        kinds.iter().map(|(c, k)| (c.as_str(), k.as_str())).unzip();
    sqlx::query(
        "update fhir_people p set kind = coalesce(
           (select m.kind from unnest($1::text[], $2::text[]) as m(code, kind) where m.code = p.taxonomy_code),
           'physician')
         where p.is_new",
    )
    .bind(codes)
    .bind(names)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Organizations, and those a location gives an address: a location's address (and phone)
/// fills an organization's only when it has none, from the file or the workspace.
async fn organizations(tx: &mut PgConnection) -> Result<(), JobError> {
    exec(
        tx,
        "create temp table fhir_orgs (
           id uuid primary key, line bigint not null, is_new boolean not null, name text not null, kind text not null,
           npi text, parent_id uuid, address_line text, city text, state text, postal_code text, phone text)
         on commit drop",
    )
    .await?;
    // An address is one value: when the file gives one, all of its parts are written.
    exec(
        tx,
        "insert into fhir_orgs
         select st.target, st.line, st.is_new, coalesce(st.name, t.name), coalesce(t.kind, st.org_kind),
                coalesce(t.npi, st.npi), coalesce(st.parent_id, t.parent_id),
                case when a.given then st.address_line else t.address_line end,
                case when a.given then st.city else t.city end,
                case when a.given then st.state else t.state end,
                case when a.given then st.postal_code else t.postal_code end,
                coalesce(st.phone, t.phone)
         from stage_fhir st
         cross join lateral (select num_nonnulls(st.address_line, st.city, st.state, st.postal_code) > 0 as given) a
         left join organizations t on t.id = st.target
         where st.entity = 'organization'",
    )
    .await?;
    exec(
        tx,
        "insert into fhir_orgs
         select t.id, l.line, false, t.name, t.kind, t.npi, t.parent_id, t.address_line, t.city, t.state,
                t.postal_code, t.phone
         from (select distinct on (organization_id) organization_id, line from stage_fhir
               where entity = 'location' and target is null and organization_id is not null
                 and num_nonnulls(address_line, city, state, postal_code, phone) > 0
               order by organization_id, line) l
         join organizations t on t.id = l.organization_id
         where not exists (select 1 from fhir_orgs f where f.id = t.id)",
    )
    .await?;
    exec(
        tx,
        "update fhir_orgs f set address_line = l.address_line, city = l.city, state = l.state,
                postal_code = l.postal_code
         from (select distinct on (organization_id) organization_id, address_line, city, state, postal_code
               from stage_fhir
               where entity = 'location' and target is null and organization_id is not null
                 and num_nonnulls(address_line, city, state, postal_code) > 0
               order by organization_id, line) l
         where f.id = l.organization_id and num_nonnulls(f.address_line, f.city, f.state, f.postal_code) = 0",
    )
    .await?;
    exec(
        tx,
        "update fhir_orgs f set phone = l.phone
         from (select distinct on (organization_id) organization_id, phone from stage_fhir
               where entity = 'location' and target is null and organization_id is not null and phone is not null
               order by organization_id, line) l
         where f.id = l.organization_id and f.phone is null",
    )
    .await?;
    Ok(())
}

/// Affiliations. A period is one value (both dates from the file when it gives either); a
/// role with `active: false` ends its affiliation (today, unless its period says when).
async fn affiliations(tx: &mut PgConnection) -> Result<(), JobError> {
    exec(
        tx,
        "create temp table fhir_affiliations (
           id uuid primary key, line bigint not null, is_new boolean not null, stakeholder_id uuid not null,
           organization_id uuid, facility_id uuid, role text not null, title text, starts_on date, ends_on date,
           inactive boolean not null) on commit drop",
    )
    .await?;
    exec(
        tx,
        "insert into fhir_affiliations
         select p.target, p.line, p.is_new, p.stakeholder_id, p.organization_id, p.facility_id, p.role, p.title,
                p.starts_on,
                coalesce(p.ends_on, case when p.inactive then greatest(current_date, p.starts_on) end),
                p.inactive
         from (select st.target, st.line, st.is_new, st.stakeholder_id, st.organization_id, st.facility_id,
                      coalesce(st.role, t.role, 'practices_at') as role, coalesce(st.title, t.title) as title,
                      case when g.given then st.starts_on else t.starts_on end as starts_on,
                      case when g.given then st.ends_on else t.ends_on end as ends_on,
                      coalesce(st.active = false, false) as inactive
               from stage_fhir st
               cross join lateral (select num_nonnulls(st.starts_on, st.ends_on) > 0 as given) g
               left join affiliations t on t.id = st.target
               where st.entity = 'affiliation') p",
    )
    .await?;
    Ok(())
}

/// The change review's statements ($1 tenant, $2 job), each in file order.
fn changes() -> [String; 3] {
    let people = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, case when f.is_new then 'new' else 'changed' end, 'stakeholder', f.npi,
                concat_ws(' ', f.first_name, f.last_name, f.credentials),
                case when f.is_new then '{{}}'::text[] else {changed} end
         from fhir_people f left join stakeholders t on t.id = f.id
         where f.is_new or {differs}
         order by f.line",
        changed = changed(PERSON_FIELDS),
        differs = differs(PERSON_FIELDS),
    );
    let orgs = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2, case when f.is_new then 'new' else 'changed' end, 'organization', f.npi, f.name,
                case when f.is_new then '{{}}'::text[] else {changed} end
         from fhir_orgs f left join organizations t on t.id = f.id
         where f.is_new or {differs}
         order by f.line",
        changed = changed(ORG_FIELDS),
        differs = differs(ORG_FIELDS),
    );
    // Every join meets at most one row: each is on a primary key.
    let affiliations = format!(
        "insert into import_changes (tenant_id, job_id, change, target, npi, label, fields)
         select $1, $2,
                case when f.is_new then 'new'
                     when f.inactive and t.ends_on is null and f.ends_on is not null then 'deactivated'
                     else 'changed' end,
                'affiliation', coalesce(p.npi, s.npi),
                concat_ws(' ', coalesce(p.first_name, s.first_name), coalesce(p.last_name, s.last_name))
                  || ' at ' || coalesce(fo.name, o.name, fa.name, '?'),
                case when f.is_new then '{{}}'::text[] else {changed} end
         from fhir_affiliations f
         left join affiliations t on t.id = f.id
         left join fhir_people p on p.id = f.stakeholder_id
         left join stakeholders s on s.id = f.stakeholder_id
         left join fhir_orgs fo on fo.id = f.organization_id
         left join organizations o on o.id = f.organization_id
         left join facilities fa on fa.id = f.facility_id
         where f.is_new or {differs}
         order by f.line",
        changed = changed(AFFILIATION_FIELDS),
        differs = differs(AFFILIATION_FIELDS),
    );
    [people, orgs, affiliations]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_name_every_field_on_both_sides() {
        assert_eq!(
            differs(&["name", "npi"]),
            "(t.name, t.npi) is distinct from (f.name, f.npi)"
        );
        assert_eq!(
            changed(&["name"]),
            "array_remove(array[case when t.name is distinct from f.name then 'name' end]::text[], null)"
        );
    }
}
