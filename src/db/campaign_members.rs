//! A campaign's audience. While the campaign is planned the audience is live: the segment's
//! matches plus people added by hand, minus people removed by hand. When it goes active the
//! audience becomes a member list, and later changes to stakeholders do not rewrite it.
//! Every member gets a recorded variant for each (message, channel) test.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use super::segments::{AudienceRow, audience_columns, push_conditions};
use crate::domain::{SegmentDefinition, bucket, pick_variant};

/// Members on the list now (not removed).
pub async fn current_count(conn: &mut PgConnection, campaign: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from campaign_members where campaign_id = $1 and removed_at is null",
    )
    .bind(campaign)
    .fetch_one(conn)
    .await
}

/// Where a campaign's audience comes from.
pub struct Audience {
    pub campaign: Uuid,
    /// The segment while the audience is live; `None` once frozen or without a segment.
    pub live_segment: Option<SegmentDefinition>,
}

impl Audience {
    /// Pushes ` and <stakeholder s is in the audience>`.
    fn push(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        let listed = " and removed_at is null)";
        match &self.live_segment {
            Some(d) => {
                qb.push(" and ((true");
                push_conditions(qb, d);
                qb.push(") or s.id in (select stakeholder_id from campaign_members where campaign_id = ")
                    .push_bind(self.campaign)
                    .push(listed)
                    .push(")")
                    .push(" and s.id not in (select stakeholder_id from campaign_members where campaign_id = ")
                    .push_bind(self.campaign)
                    .push(" and removed_at is not null)");
            }
            None => {
                qb.push(" and s.id in (select stakeholder_id from campaign_members where campaign_id = ")
                    .push_bind(self.campaign)
                    .push(listed);
            }
        }
    }
}

/// The audience of a campaign (live from its segment while planned, its member list after)
/// and the segment's conditions in words.
pub async fn audience_for(
    conn: &mut PgConnection,
    c: &super::campaigns::CampaignRow,
) -> sqlx::Result<(Audience, Option<String>)> {
    let segment = match c.segment_id {
        Some(seg) => super::segments::find(conn, seg).await?,
        None => None,
    };
    let summary = match &segment {
        Some(s) => Some(super::segments::summary(conn, &s.definition.0).await?),
        None => None,
    };
    let live_segment = segment
        .filter(|_| c.audience_frozen_at.is_none())
        .map(|s| s.definition.0);
    Ok((
        Audience {
            campaign: c.id,
            live_segment,
        },
        summary,
    ))
}

/// Everyone in the audience now (for surveys sent to a campaign), at most `limit`.
pub async fn audience_ids(
    conn: &mut PgConnection,
    a: &Audience,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let mut qb = QueryBuilder::new("select s.id from stakeholders s where true");
    a.push(&mut qb);
    qb.push(" order by s.id limit ").push_bind(limit);
    qb.build_query_scalar().fetch_all(conn).await
}

/// How many people the audience holds now.
pub async fn audience_count(conn: &mut PgConnection, a: &Audience) -> sqlx::Result<i64> {
    if a.live_segment.is_none() {
        // The member list alone: counted from its own index.
        return current_count(conn, a.campaign).await;
    }
    let mut qb = QueryBuilder::new("select count(*) from stakeholders s where true");
    a.push(&mut qb);
    qb.build_query_scalar().fetch_one(conn).await
}

/// A member with how the campaign has reached them.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MemberRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub person: AudienceRow,
    /// Added by hand rather than through the segment.
    pub manual: bool,
    /// Touch-points of this campaign with them.
    pub touches: i64,
    /// Their variant in each message test (a channel with two or more variants),
    /// "Email: A" each.
    pub variants: Vec<String>,
}

/// A page of the audience, by name, optionally narrowed by search words.
pub async fn list(
    conn: &mut PgConnection,
    a: &Audience,
    q: Option<&str>,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<MemberRow>> {
    let words = q
        .map(crate::domain::search::query_words)
        .unwrap_or_default();
    let push_where = |qb: &mut QueryBuilder<'_, Postgres>| {
        qb.push(" where true");
        a.push(qb);
        for w in &words {
            let upper = format!("{w}\u{10FFFF}");
            qb.push(" and s.id in (select stakeholder_id from stakeholder_terms where term >= ")
                .push_bind(w.clone())
                .push(" and term < ")
                .push_bind(upper)
                .push(")");
        }
    };
    let total: i64 = if words.is_empty() {
        audience_count(&mut *conn, a).await?
    } else {
        let mut count = QueryBuilder::new("select count(*) from stakeholders s");
        push_where(&mut count);
        count.build_query_scalar().fetch_one(&mut *conn).await?
    };
    let mut qb = QueryBuilder::new(format!("select {}, ", audience_columns()));
    qb.push("exists(select 1 from campaign_members m where m.campaign_id = ")
        .push_bind(a.campaign)
        .push(" and m.stakeholder_id = s.id and m.source = 'manual' and m.removed_at is null) as manual,
           (select count(*) from touchpoints tp where tp.campaign_id = ")
        .push_bind(a.campaign)
        .push(" and tp.stakeholder_id = s.id) as touches,
           array(select initcap(replace(va.channel, '_', ' ')) || ': ' || v.label from variant_assignments va
                 join message_variants v on v.tenant_id = va.tenant_id and v.id = va.variant_id
                 join key_messages km on km.tenant_id = va.tenant_id and km.id = va.message_id
                 where va.stakeholder_id = s.id and va.campaign_id = ")
        .push_bind(a.campaign)
        .push(" and (select count(*) from message_variants w where w.tenant_id = va.tenant_id
                 and w.message_id = va.message_id and w.channel = va.channel) > 1
               order by km.position, km.title, va.channel) as variants
         from (select s.id from stakeholders s");
    // The page's people are chosen first, so the columns above are worked out for them only
    // (PostgreSQL computes a row's columns even for rows an OFFSET then skips).
    push_where(&mut qb);
    qb.push(" order by lower(s.last_name), lower(s.first_name), s.id limit ")
        .push_bind(page.per_page)
        .push(" offset ")
        .push_bind(page.offset())
        .push(
            ") page join stakeholders s on s.id = page.id left join taxonomy t on t.code = s.taxonomy_code
             order by lower(s.last_name), lower(s.first_name), s.id",
        );
    let items = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(super::Page {
        items,
        total,
        total_capped: false,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Adds people by hand (or takes back their removal). Returns how many were added; people
/// already on the list are left as they are. Unknown or merged ids are skipped.
pub async fn add_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    people: &[Uuid],
    frozen: bool,
) -> sqlx::Result<i64> {
    let added: Vec<Uuid> = sqlx::query_scalar(
        "insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source, added_by)
         select s.tenant_id, $1, s.id, 'manual', $3 from stakeholders s
         where s.id = any($2) and s.status = 'active'
         on conflict (tenant_id, campaign_id, stakeholder_id) do update
           set removed_at = null, removed_by = null, added_at = now(), added_by = excluded.added_by
           where campaign_members.removed_at is not null
         returning stakeholder_id",
    )
    .bind(campaign)
    .bind(people)
    .bind(actor.user_id)
    .fetch_all(&mut *conn)
    .await?;
    if added.is_empty() {
        return Ok(0);
    }
    if frozen {
        assign_variants(conn, actor, campaign, Some(&added)).await?;
    }
    super::audit::record(
        conn,
        actor,
        "campaign.members_add",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "stakeholder_ids": added }),
    )
    .await?;
    Ok(added.len() as i64)
}

/// Removes people from the audience, keeping the row (and their variant) as history.
pub async fn remove_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    people: &[Uuid],
) -> sqlx::Result<i64> {
    // A person who is only in the live segment gets a removed row, so the freeze leaves
    // them out.
    let removed: Vec<Uuid> = sqlx::query_scalar(
        "insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source, added_by, removed_at, removed_by)
         select s.tenant_id, $1, s.id, 'segment', $3, now(), $3 from stakeholders s where s.id = any($2)
         on conflict (tenant_id, campaign_id, stakeholder_id) do update
           set removed_at = now(), removed_by = excluded.removed_by
           where campaign_members.removed_at is null
         returning stakeholder_id",
    )
    .bind(campaign)
    .bind(people)
    .bind(actor.user_id)
    .fetch_all(&mut *conn)
    .await?;
    if removed.is_empty() {
        return Ok(0);
    }
    super::audit::record(
        conn,
        actor,
        "campaign.members_remove",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "stakeholder_ids": removed }),
    )
    .await?;
    Ok(removed.len() as i64)
}

/// Records the variant of every (message, channel) test for the campaign's current members
/// (or only `only`), leaving existing assignments as they are. Returns rows written.
pub async fn assign_variants(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    only: Option<&[Uuid]>,
) -> sqlx::Result<u64> {
    let variants: Vec<(Uuid, Uuid, String, i16)> = sqlx::query_as(
        "select id, message_id, channel, weight from message_variants where campaign_id = $1
         order by message_id, channel, lower(label), id",
    )
    .bind(campaign)
    .fetch_all(&mut *conn)
    .await?;
    if variants.is_empty() {
        return Ok(0);
    }
    let members: Vec<Uuid> = match only {
        Some(ids) => ids.to_vec(),
        None => {
            sqlx::query_scalar(
                "select stakeholder_id from campaign_members where campaign_id = $1 and removed_at is null",
            )
            .bind(campaign)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let mut tests: BTreeMap<(Uuid, String), Vec<(Uuid, i16)>> = BTreeMap::new();
    for (id, message, channel, weight) in variants {
        tests
            .entry((message, channel))
            .or_default()
            .push((id, weight));
    }
    let (mut messages, mut channels, mut people, mut picked, mut buckets) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((message, channel), arms) in &tests {
        for m in &members {
            let b = bucket(campaign, *message, channel, *m);
            if let Some(v) = pick_variant(arms, b) {
                messages.push(*message);
                channels.push(channel.clone());
                people.push(*m);
                picked.push(v);
                buckets.push(b as i32);
            }
        }
    }
    let mut written = 0;
    // In slices, so a very large audience never builds one enormous statement.
    for start in (0..people.len()).step_by(20_000) {
        let end = (start + 20_000).min(people.len());
        written += sqlx::query(
            "insert into variant_assignments (tenant_id, campaign_id, message_id, channel, stakeholder_id, variant_id, bucket)
             select $1, $2, * from unnest($3::uuid[], $4::text[], $5::uuid[], $6::uuid[], $7::int[])
             on conflict do nothing",
        )
        .bind(actor.tenant_id)
        .bind(campaign)
        .bind(&messages[start..end])
        .bind(&channels[start..end])
        .bind(&people[start..end])
        .bind(&picked[start..end])
        .bind(&buckets[start..end])
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// A campaign's reach and touches, for its page and the API.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignStats {
    pub members: i64,
    /// Members with at least one touch-point of the campaign.
    pub reached: i64,
    /// Members who answered: a touch-point with an outcome other than no response.
    pub responded: i64,
    pub touches: i64,
    pub by_channel: Vec<ChannelCount>,
    pub touch_cost_cents: i64,
    /// Share agreeing (4-5) with the first scale question of the campaign's latest survey.
    pub survey_agreement: Option<f64>,
}

impl CampaignStats {
    /// Share of members reached, in percent.
    pub fn reach_pct(&self) -> Option<f64> {
        (self.members > 0).then(|| self.reached as f64 * 100.0 / self.members as f64)
    }

    /// Share of reached members who responded, in percent.
    pub fn response_pct(&self) -> Option<f64> {
        (self.reached > 0).then(|| self.responded as f64 * 100.0 / self.reached as f64)
    }
}

/// Touch-points of one channel with one outcome ("unknown" when none was recorded).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ChannelCount {
    pub channel: String,
    pub outcome: String,
    pub count: i64,
}

/// Reach, response and touches of a campaign; members are counted from `audience`.
pub async fn stats(conn: &mut PgConnection, a: &Audience) -> sqlx::Result<CampaignStats> {
    let members = audience_count(conn, a).await?;
    // One read of the campaign's touch-points serves reach, response, cost and the
    // channel-by-outcome table.
    let (reached, responded, touch_cost_cents, by_channel): (i64, i64, i64, sqlx::types::Json<Vec<ChannelCount>>) =
        sqlx::query_as(
            "with t as materialized (
               select stakeholder_id, channel, outcome, cost from touchpoints where campaign_id = $1
             ), per as (
               select stakeholder_id, bool_or(outcome in ('positive', 'neutral', 'negative')) as responded
               from t group by stakeholder_id
             ), r as (
               select count(*) as reached, count(*) filter (where p.responded) as responded
               from per p join campaign_members m on m.campaign_id = $1 and m.stakeholder_id = p.stakeholder_id
                 and m.removed_at is null
             )
             select r.reached, r.responded,
               (select (coalesce(sum(cost), 0) * 100)::bigint from t),
               (select coalesce(json_agg(json_build_object('channel', channel, 'outcome', outcome, 'count', n)
                                         order by channel, outcome), '[]'::json)
                from (select channel, coalesce(outcome, 'unknown') as outcome, count(*) as n from t group by 1, 2) x)
             from r",
        )
        .bind(a.campaign)
        .fetch_one(&mut *conn)
        .await?;
    let by_channel = by_channel.0;
    Ok(CampaignStats {
        members,
        reached,
        responded,
        touches: by_channel.iter().map(|c| c.count).sum(),
        by_channel,
        touch_cost_cents,
        survey_agreement: super::surveys::campaign_agreement(conn, a.campaign).await?,
    })
}

/// How one variant is doing: members assigned, reached and responded.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct VariantStats {
    pub variant_id: Uuid,
    pub assigned: i64,
    pub reached: i64,
    pub responded: i64,
}

pub async fn variant_stats(
    conn: &mut PgConnection,
    campaign: Uuid,
) -> sqlx::Result<Vec<VariantStats>> {
    sqlx::query_as(
        "select va.variant_id, count(*) as assigned,
           count(*) filter (where x.stakeholder_id is not null) as reached,
           count(*) filter (where x.responded) as responded
         from variant_assignments va
         join campaign_members m on m.tenant_id = va.tenant_id and m.campaign_id = va.campaign_id
           and m.stakeholder_id = va.stakeholder_id and m.removed_at is null
         left join (
           select t.stakeholder_id, t.variant_id,
             bool_or(t.outcome in ('positive', 'neutral', 'negative')) as responded
           from touchpoints t where t.campaign_id = $1 and t.variant_id is not null
           group by 1, 2) x on x.stakeholder_id = va.stakeholder_id and x.variant_id = va.variant_id
         where va.campaign_id = $1
         group by va.variant_id",
    )
    .bind(campaign)
    .fetch_all(conn)
    .await
}
