//! Duplicate stakeholders: finding likely pairs, and merging one record into another while
//! keeping every related record, the merged record's history and an audit trail.

use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use super::stakeholders::StakeholderRow;
use crate::domain::{
    StakeholderDraft, StakeholderId, StakeholderInput, merge_fields, name_similarity,
};

/// A likely duplicate pair and why it looks like one.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DuplicatePair {
    pub a_id: Uuid,
    pub a_name: String,
    pub b_id: Uuid,
    pub b_name: String,
    /// E.g. "same phone", "same organization".
    pub reasons: Vec<String>,
    /// 0 to 1: how alike the first names are.
    pub similarity: f64,
}

#[derive(sqlx::FromRow)]
struct Signals {
    a_id: Uuid,
    a_name: String,
    a_first: String,
    b_id: Uuid,
    b_name: String,
    b_first: String,
    same_phone: bool,
    same_email: bool,
    same_org: bool,
    same_specialty: bool,
    b_has_npi: bool,
}

/// Name pairs looked at, at most (a workspace of 50,000 has a few tens of thousands).
const NAME_PAIRS: i64 = 200_000;
/// Similar-name pairs whose other signals are checked, at most.
const SIMILAR_PAIRS: usize = 20_000;

/// Pairs of active stakeholders with the same last name and first initial, a similar first
/// name, and something else in common (phone, email, organization, or the same specialty
/// with an identical first name). Two different NPIs mean two different people. First the
/// names alone (cheap, from the name index), then the other signals for the similar few.
pub async fn candidates(conn: &mut PgConnection, limit: usize) -> sqlx::Result<Vec<DuplicatePair>> {
    let names: Vec<(Uuid, String, Uuid, String)> = sqlx::query_as(
        // `a` is the one without an NPI (few): each pair once, from its NPI-less side.
        "select a.id, a.first_name, b.id, b.first_name
         from stakeholders a
         join stakeholders b on lower(b.last_name) = lower(a.last_name) and b.id <> a.id
              and lower(left(b.first_name, 1)) = lower(left(a.first_name, 1))
         where a.npi is null and a.status = 'active' and b.status = 'active'
           and (b.npi is not null or b.id > a.id)
         limit $1",
    )
    .bind(NAME_PAIRS)
    .fetch_all(&mut *conn)
    .await?;
    let (a_ids, b_ids): (Vec<Uuid>, Vec<Uuid>) = names
        .into_iter()
        .filter(|(_, a, _, b)| name_similarity(a, b) >= 0.85)
        .take(SIMILAR_PAIRS)
        .map(|(a, _, b, _)| (a, b))
        .unzip();
    let rows: Vec<Signals> = sqlx::query_as(&format!(
        "select a.id as a_id, {an} as a_name, a.first_name as a_first, b.id as b_id, {bn} as b_name,
                b.first_name as b_first,
                array(select regexp_replace(p, '\\D', '', 'g') from unnest(a.phones) p)
                  && array(select regexp_replace(p, '\\D', '', 'g') from unnest(b.phones) p) as same_phone,
                a.emails && b.emails as same_email,
                exists (select 1 from affiliations x join affiliations y on y.organization_id = x.organization_id
                        where x.stakeholder_id = a.id and y.stakeholder_id = b.id) as same_org,
                coalesce(a.taxonomy_code = b.taxonomy_code, false) as same_specialty,
                (b.npi is not null) as b_has_npi
         from unnest($1::uuid[], $2::uuid[]) as p(a, b)
         join stakeholders a on a.id = p.a
         join stakeholders b on b.id = p.b",
        an = super::stakeholders::name_sql("a"),
        bn = super::stakeholders::name_sql("b"),
    ))
    .bind(&a_ids)
    .bind(&b_ids)
    .fetch_all(conn)
    .await?;
    let mut pairs: Vec<DuplicatePair> = rows
        .into_iter()
        .filter_map(|c| {
            let similarity = name_similarity(&c.a_first, &c.b_first);
            let same_first = c.a_first.eq_ignore_ascii_case(&c.b_first);
            let mut reasons = Vec::new();
            if c.same_phone {
                reasons.push("same phone".to_string());
            }
            if c.same_email {
                reasons.push("same email".to_string());
            }
            if c.same_org {
                reasons.push("same organization".to_string());
            }
            if same_first && c.same_specialty {
                reasons.push("same name and specialty".to_string());
            }
            (!reasons.is_empty()).then(|| {
                reasons.insert(
                    0,
                    if same_first {
                        "same name".to_string()
                    } else {
                        "similar name".to_string()
                    },
                );
                // The record with an NPI comes first: it is the one to keep.
                let (a, b) = if c.b_has_npi {
                    ((c.b_id, c.b_name), (c.a_id, c.a_name))
                } else {
                    ((c.a_id, c.a_name), (c.b_id, c.b_name))
                };
                DuplicatePair {
                    a_id: a.0,
                    a_name: a.1,
                    b_id: b.0,
                    b_name: b.1,
                    reasons,
                    similarity,
                }
            })
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.reasons
            .len()
            .cmp(&x.reasons.len())
            .then(y.similarity.total_cmp(&x.similarity))
    });
    pairs.truncate(limit);
    Ok(pairs)
}

/// A stored record as validated fields (to merge them).
pub fn input_of(r: &StakeholderRow) -> Option<StakeholderInput> {
    StakeholderDraft {
        kind: r.kind.clone(),
        prefix: r.prefix.clone(),
        first_name: r.first_name.clone(),
        middle_name: r.middle_name.clone(),
        last_name: r.last_name.clone(),
        suffix: r.suffix.clone(),
        credentials: r.credentials.clone(),
        npi: r.npi.clone(),
        taxonomy_code: r.taxonomy_code.clone(),
        emails: r.emails.clone(),
        phones: r.phones.clone(),
        preferred_channel: r.preferred_channel.clone(),
        best_contact_times: r.best_contact_times.clone(),
        do_not_contact: r.do_not_contact,
        tier: r.tier.clone(),
        tags: r.tags.clone(),
    }
    .validate()
    .ok()
}

/// How many related records of the merged-away person move to the kept one.
#[derive(Clone, Debug, Default, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Related {
    pub affiliations: i64,
    pub assignments: i64,
    pub stage_changes: i64,
    pub influence_links: i64,
    pub feedback: i64,
    pub touchpoints: i64,
    pub follow_ups: i64,
}

pub async fn related(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Related> {
    sqlx::query_as(
        "select (select count(*) from affiliations where stakeholder_id = $1) as affiliations,
                (select count(*) from assignments where stakeholder_id = $1) as assignments,
                (select count(*) from stage_changes where stakeholder_id = $1) as stage_changes,
                (select count(*) from influence_links where from_id = $1 or to_id = $1) as influence_links,
                (select count(*) from feedback where stakeholder_id = $1) as feedback,
                (select count(*) from touchpoints where stakeholder_id = $1) as touchpoints,
                (select count(*) from follow_ups where stakeholder_id = $1) as follow_ups",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Why a merge could not happen.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Refused(&'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Merges `other` into `keep`: the fields as [`merge_fields`] says, every related record
/// moved (repeats dropped: the same affiliation twice, a link to oneself), `other` kept as a
/// "merged" record pointing at `keep`. Audited. Call inside a transaction.
pub async fn merge_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    keep: Uuid,
    other: Uuid,
) -> Result<Related, MergeError> {
    if keep == other {
        return Err(MergeError::Refused("Choose two different stakeholders."));
    }
    // Lock both rows, in a fixed order, so two merges cannot cross.
    let locked: Vec<Uuid> = sqlx::query_scalar(
        "select id from stakeholders where id = any($1) and status <> 'merged' order by id for update",
    )
    .bind([keep, other])
    .fetch_all(&mut *conn)
    .await?;
    if locked.len() != 2 {
        return Err(MergeError::NotFound);
    }
    let (Some(k), Some(o)) = (
        super::stakeholders::find(&mut *conn, StakeholderId(keep)).await?,
        super::stakeholders::find(&mut *conn, StakeholderId(other)).await?,
    ) else {
        return Err(MergeError::NotFound);
    };
    if k.npi.is_some() && o.npi.is_some() {
        return Err(MergeError::Refused(
            "Both records have an NPI, and NPIs are unique to a person: these are two different people.",
        ));
    }
    let (Some(k_in), Some(o_in)) = (input_of(&k), input_of(&o)) else {
        return Err(MergeError::Refused(
            "One of the records has fields that no longer pass validation; edit it first.",
        ));
    };
    let moved = related(&mut *conn, other).await?;
    let merged = merge_fields(&k_in, &o_in);
    sqlx::query(
        "update stakeholders set npi = null, status = 'merged', merged_into = $2, updated_at = now() where id = $1",
    )
    .bind(other)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    super::stakeholders::update_audited(&mut *conn, actor, StakeholderId(keep), &merged).await?;
    sqlx::query(
        "update stakeholders k set stage = coalesce(k.stage, o.stage),
            stage_changed_at = case when k.stage is null then o.stage_changed_at else k.stage_changed_at end,
            last_contact_at = greatest(k.last_contact_at, o.last_contact_at)
         from stakeholders o where k.id = $1 and o.id = $2",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    // Affiliations: drop the ones the kept record already has, move the rest.
    sqlx::query(
        "delete from affiliations o using affiliations k
         where o.stakeholder_id = $2 and k.stakeholder_id = $1 and k.role = o.role
           and k.organization_id is not distinct from o.organization_id and k.facility_id is not distinct from o.facility_id",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update affiliations set is_primary = false where stakeholder_id = $2 and is_primary
           and exists (select 1 from affiliations where stakeholder_id = $1 and is_primary)",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update affiliations set stakeholder_id = $1, updated_at = now() where stakeholder_id = $2",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    // Assignments: end the other's current ones that would repeat a current one of the kept
    // record (same user, or a second primary); history moves as it is.
    sqlx::query(
        "update assignments o set ends_on = greatest(current_date, o.starts_on)
         where o.stakeholder_id = $2 and o.ends_on is null and exists (
           select 1 from assignments k where k.stakeholder_id = $1 and k.ends_on is null
             and (k.user_id = o.user_id or (k.role = 'primary' and o.role = 'primary')))",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update assignments set stakeholder_id = $1 where stakeholder_id = $2")
        .bind(keep)
        .bind(other)
        .execute(&mut *conn)
        .await?;
    sqlx::query("update stage_changes set stakeholder_id = $1 where stakeholder_id = $2")
        .bind(keep)
        .bind(other)
        .execute(&mut *conn)
        .await?;
    // Influence: links between the two vanish; links the kept record already has go.
    sqlx::query(
        "delete from influence_links l where (l.from_id = $2 and l.to_id = $1) or (l.from_id = $1 and l.to_id = $2)
            or (l.from_id = $2 and exists (select 1 from influence_links k where k.from_id = $1 and k.to_id = l.to_id and k.kind = l.kind))
            or (l.to_id = $2 and exists (select 1 from influence_links k where k.to_id = $1 and k.from_id = l.from_id and k.kind = l.kind))",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update influence_links set from_id = $1, updated_at = now() where from_id = $2")
        .bind(keep)
        .bind(other)
        .execute(&mut *conn)
        .await?;
    sqlx::query("update influence_links set to_id = $1, updated_at = now() where to_id = $2")
        .bind(keep)
        .bind(other)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "update feedback set stakeholder_id = $1, updated_at = now() where stakeholder_id = $2",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    // Touch-points move as they are. An idempotency key is unique per stakeholder, so where
    // one group submit had both records as attendees, the moved row gives up its key.
    sqlx::query(
        "update touchpoints o set idempotency_key = null from touchpoints k
         where o.stakeholder_id = $2 and k.stakeholder_id = $1 and k.created_by = o.created_by
           and k.idempotency_key = o.idempotency_key",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update touchpoints set stakeholder_id = $1 where stakeholder_id = $2")
        .bind(keep)
        .bind(other)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "update follow_ups set stakeholder_id = $1, updated_at = now() where stakeholder_id = $2",
    )
    .bind(keep)
    .bind(other)
    .execute(&mut *conn)
    .await?;
    // Campaign memberships: where both were members the kept record's row (and variant)
    // stays; otherwise the membership and its recorded variants move.
    for sql in [
        "delete from campaign_members o using campaign_members k
         where o.stakeholder_id = $2 and k.stakeholder_id = $1 and k.campaign_id = o.campaign_id",
        "insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source, added_at, added_by, removed_at, removed_by)
         select tenant_id, campaign_id, $1, source, added_at, added_by, removed_at, removed_by
         from campaign_members where stakeholder_id = $2",
        "update variant_assignments set stakeholder_id = $1 where stakeholder_id = $2",
        "delete from campaign_members where stakeholder_id = $2",
        // Survey links: one per person and survey; an answered link wins over an unanswered one.
        "delete from survey_recipients k using survey_recipients o
         where k.stakeholder_id = $1 and o.stakeholder_id = $2 and k.survey_id = o.survey_id
           and k.responded_at is null and o.responded_at is not null",
        "delete from survey_recipients o using survey_recipients k
         where o.stakeholder_id = $2 and k.stakeholder_id = $1 and k.survey_id = o.survey_id",
        "update survey_recipients set stakeholder_id = $1 where stakeholder_id = $2",
    ] {
        sqlx::query(sql)
            .bind(keep)
            .bind(other)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("delete from stakeholder_terms where stakeholder_id = $1")
        .bind(other)
        .execute(&mut *conn)
        .await?;
    super::stakeholders::refresh_terms(&mut *conn, actor, &[keep]).await?;
    super::audit::record(
        &mut *conn,
        actor,
        "stakeholder.merge",
        "stakeholder",
        Some(keep.to_string()),
        serde_json::json!({ "merged": other, "merged_name": o.display_name(), "moved": moved }),
    )
    .await?;
    super::audit::record(
        conn,
        actor,
        "stakeholder.merged_into",
        "stakeholder",
        Some(other.to_string()),
        serde_json::json!({ "status": "merged", "merged_into": keep }),
    )
    .await?;
    Ok(moved)
}
