//! Stakeholders: the people of the relationship book.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::audit::Actor;
use crate::domain::search::{self, StakeholderText};
use crate::domain::{StakeholderId, StakeholderInput, StakeholderKind, Tier};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct StakeholderRow {
    pub id: StakeholderId,
    pub kind: String,
    pub prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub suffix: Option<String>,
    pub credentials: Option<String>,
    pub npi: Option<String>,
    pub taxonomy_code: Option<String>,
    pub specialty: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub preferred_channel: Option<String>,
    pub best_contact_times: Option<String>,
    pub do_not_contact: bool,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub status: String,
    /// Champion stage: identified, engaged, supporter, champion, advocate or at_risk.
    pub stage: Option<String>,
    pub stage_changed_at: Option<DateTime<Utc>>,
    /// The last contact (feedback now, touch-points later): the cadence clock.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Set when this record was merged into another.
    pub merged_into: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StakeholderRow {
    pub fn stage_label(&self) -> &'static str {
        self.stage
            .as_deref()
            .map(super::champions::stage_label)
            .unwrap_or("No stage")
    }

    /// "Dr. Ana M. Ruiz Jr., MD": how the person is addressed in lists and headings.
    pub fn display_name(&self) -> String {
        let mut name = String::new();
        for part in [
            self.prefix.as_deref(),
            Some(self.first_name.as_str()),
            self.middle_name.as_deref(),
            Some(self.last_name.as_str()),
            self.suffix.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(part);
        }
        if let Some(c) = &self.credentials {
            name.push_str(", ");
            name.push_str(c);
        }
        name
    }

    /// "Ruiz, Ana": for sorted lists and CSV.
    pub fn sort_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }

    pub fn kind_label(&self) -> &'static str {
        StakeholderKind::parse(&self.kind)
            .map(StakeholderKind::label)
            .unwrap_or("Other")
    }

    pub fn channel_label(&self) -> Option<&'static str> {
        self.preferred_channel
            .as_deref()
            .and_then(crate::domain::Channel::parse)
            .map(|c| c.label())
    }

    pub fn archived(&self) -> bool {
        self.status == "archived"
    }
}

const COLUMNS: &str =
    "s.id, s.kind, s.prefix, s.first_name, s.middle_name, s.last_name, s.suffix, s.credentials,
    s.npi, s.taxonomy_code, t.display_name as specialty, s.emails, s.phones, s.preferred_channel,
    s.best_contact_times, s.do_not_contact, s.tier, s.tags, s.status, s.stage, s.stage_changed_at,
    s.last_contact_at, s.merged_into, s.created_at, s.updated_at";
const FROM: &str = "stakeholders s left join taxonomy t on t.code = s.taxonomy_code";

pub const NPI_KEY: &str = "stakeholders_tenant_npi_key";
pub const TAXONOMY_FKEY: &str = "stakeholders_taxonomy_code_fkey";

/// Database constraints a stakeholder form can run into, as field errors.
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        NPI_KEY,
        "npi",
        "Another stakeholder in your workspace already has this NPI. Search for it: it may be the same person.",
    ),
    (
        TAXONOMY_FKEY,
        "taxonomy_code",
        "Choose a specialty from the list.",
    ),
];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StakeholderSort {
    #[default]
    Name,
    Newest,
    Tier,
}

impl StakeholderSort {
    pub fn parse(s: &str) -> Self {
        match s {
            "newest" => Self::Newest,
            "tier" => Self::Tier,
            _ => Self::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Newest => "newest",
            Self::Tier => "tier",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Name => "lower(s.last_name), lower(s.first_name), s.id",
            Self::Newest => "s.created_at desc, s.id",
            Self::Tier => "s.tier nulls last, lower(s.last_name), lower(s.first_name), s.id",
        }
    }
}

/// What the list shows: search text, filters, sort.
#[derive(Clone, Debug, Default)]
pub struct StakeholderFilter {
    pub q: Option<String>,
    pub kind: Option<StakeholderKind>,
    pub tier: Option<Tier>,
    pub taxonomy_code: Option<String>,
    pub tag: Option<String>,
    pub stage: Option<crate::domain::Stage>,
    /// People currently affiliated with this organization.
    pub organization_id: Option<uuid::Uuid>,
    /// People currently affiliated with this facility (privileges, employment, leadership).
    pub facility_id: Option<uuid::Uuid>,
    /// `None`: active and archived.
    pub archived: Option<bool>,
    pub sort: StakeholderSort,
}

/// One condition on the search terms: a word the stakeholder has a term starting with, or
/// an exact term (a whole tag).
enum TermCond {
    Prefix(String),
    Exact(String),
}

/// The term conditions of a filter (search words and tag), or the NPI a search names.
fn term_conds(f: &StakeholderFilter) -> (Vec<TermCond>, Option<String>) {
    let mut conds = Vec::new();
    let mut npi = None;
    if let Some(q) = &f.q {
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 10 && digits.len() + 2 >= q.trim().len() {
            npi = Some(digits);
        } else {
            conds.extend(search::query_words(q).into_iter().map(TermCond::Prefix));
        }
    }
    if let Some(tag) = &f.tag {
        conds.push(TermCond::Exact(search::tag_term(tag)));
    }
    (conds, npi)
}

/// The ids of stakeholders meeting every condition: index range scans over the terms,
/// intersected (only leakproof comparisons, so row-level security keeps the index).
fn push_term_set<'a>(qb: &mut QueryBuilder<'a, Postgres>, conds: &[TermCond]) {
    for (i, cond) in conds.iter().enumerate() {
        if i > 0 {
            qb.push(" intersect ");
        }
        qb.push("select stakeholder_id from stakeholder_terms where ");
        match cond {
            TermCond::Prefix(word) => {
                let upper = format!("{word}\u{10FFFF}");
                qb.push("term >= ")
                    .push_bind(word.clone())
                    .push(" and term < ")
                    .push_bind(upper);
            }
            TermCond::Exact(term) => {
                qb.push("term = ").push_bind(term.clone());
            }
        }
    }
}

/// How the rows meeting the term conditions are fetched: by primary key from a collected
/// array (few matches), or by walking the name index and probing the terms (many matches,
/// where the first page is found long before the last match).
#[derive(Clone, Copy, PartialEq)]
enum TermMode {
    Array,
    SemiJoin,
}

/// Above this many matches the semi-join walk beats fetching every match by key.
const DENSE: i64 = 1_500;

fn push_filters<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a StakeholderFilter, mode: TermMode) {
    qb.push(" where true");
    let (conds, npi) = term_conds(f);
    if let Some(npi) = npi {
        // An NPI: exact match on the unique index.
        qb.push(" and s.npi = ").push_bind(npi);
    } else if f.q.is_some() && conds.iter().all(|c| matches!(c, TermCond::Exact(_))) {
        // A search of only punctuation: nothing can match.
        qb.push(" and false");
    }
    if !conds.is_empty() {
        match mode {
            TermMode::Array => qb.push(" and s.id = any(array("),
            TermMode::SemiJoin => qb.push(" and s.id in ("),
        };
        push_term_set(qb, &conds);
        qb.push(if mode == TermMode::Array { "))" } else { ")" });
    }
    if let Some(kind) = f.kind {
        qb.push(" and s.kind = ").push_bind(kind.as_str());
    }
    if let Some(tier) = f.tier {
        qb.push(" and s.tier = ").push_bind(tier.as_str());
    }
    if let Some(code) = &f.taxonomy_code {
        qb.push(" and s.taxonomy_code = ").push_bind(code);
    }
    if let Some(stage) = f.stage {
        qb.push(" and s.stage = ").push_bind(stage.as_str());
    }
    if let Some(org) = f.organization_id {
        qb.push(" and s.id in (select stakeholder_id from affiliations where organization_id = ")
            .push_bind(org)
            .push(" and (ends_on is null or ends_on >= current_date))");
    }
    if let Some(facility) = f.facility_id {
        qb.push(" and s.id in (select stakeholder_id from affiliations where facility_id = ")
            .push_bind(facility)
            .push(" and (ends_on is null or ends_on >= current_date))");
    }
    match f.archived {
        Some(true) => {
            qb.push(" and s.status = 'archived'");
        }
        Some(false) => {
            qb.push(" and s.status = 'active'");
        }
        None => {
            qb.push(" and s.status <> 'merged'");
        }
    }
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &StakeholderFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<StakeholderRow>> {
    let (conds, npi) = term_conds(filter);
    if conds.is_empty() || npi.is_some() {
        return super::fetch_page(
            conn,
            COLUMNS,
            FROM,
            |qb| push_filters(qb, filter, TermMode::Array),
            filter.sort.order_by(),
            page,
        )
        .await;
    }
    // How many stakeholders the words and tag match, from the terms alone (index only).
    let mut qb = QueryBuilder::new("select count(*) from (");
    push_term_set(&mut qb, &conds);
    qb.push(" limit ")
        .push_bind(super::COUNT_CAP + 1)
        .push(") m");
    let matched: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
    let mode = if matched > DENSE {
        TermMode::SemiJoin
    } else {
        TermMode::Array
    };
    let items = super::fetch_rows(
        conn,
        COLUMNS,
        FROM,
        |qb| push_filters(qb, filter, mode),
        filter.sort.order_by(),
        page,
    )
    .await?;
    let only_status = filter.kind.is_none()
        && filter.tier.is_none()
        && filter.taxonomy_code.is_none()
        && filter.stage.is_none()
        && filter.organization_id.is_none()
        && filter.facility_id.is_none();
    let counted = if only_status && matched <= super::COUNT_CAP {
        // Archived people are few: count them among the matches and take them off.
        let archived = match filter.archived {
            None => 0,
            Some(_) => {
                let mut qb = QueryBuilder::new(
                    "select count(*) from stakeholders s where s.status = 'archived' and s.id in (",
                );
                push_term_set(&mut qb, &conds);
                qb.push(")");
                qb.build_query_scalar::<i64>().fetch_one(&mut *conn).await?
            }
        };
        match filter.archived {
            None => matched,
            Some(true) => archived,
            Some(false) => matched - archived,
        }
    } else {
        let mut qb = QueryBuilder::new(format!("select count(*) from (select 1 from {FROM}"));
        push_filters(&mut qb, filter, mode);
        qb.push(" limit ")
            .push_bind(super::COUNT_CAP + 1)
            .push(") capped");
        qb.build_query_scalar().fetch_one(&mut *conn).await?
    };
    Ok(super::Page {
        items,
        total: counted.min(super::COUNT_CAP),
        total_capped: counted > super::COUNT_CAP,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Every row the filter matches, up to `limit` (for CSV export).
pub async fn export(
    conn: &mut PgConnection,
    filter: &StakeholderFilter,
    limit: i64,
) -> sqlx::Result<Vec<StakeholderRow>> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from {FROM}"));
    push_filters(&mut qb, filter, TermMode::Array);
    qb.push(" order by ")
        .push(filter.sort.order_by())
        .push(" limit ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

pub async fn find(
    conn: &mut PgConnection,
    id: StakeholderId,
) -> sqlx::Result<Option<StakeholderRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from {FROM} where s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The distinct tags in use, lower-cased, alphabetical (for the filter menu). A loose index
/// scan over the `tag:` search terms: one index probe per distinct tag, however many people.
pub async fn tags(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "with recursive tags(term) as (
           (select term from stakeholder_terms where term >= 'tag:' and term < 'tag;' order by term limit 1)
           union all
           select (select t.term from stakeholder_terms t where t.term > g.term and t.term < 'tag;' order by t.term limit 1)
           from tags g where g.term is not null
         )
         select substr(term, 5) from tags where term is not null limit 500",
    )
    .fetch_all(conn)
    .await
}

fn audit_view(s: &StakeholderInput) -> serde_json::Value {
    serde_json::json!({
        "kind": s.kind.as_str(), "prefix": s.prefix, "first_name": s.first_name, "middle_name": s.middle_name,
        "last_name": s.last_name, "suffix": s.suffix, "credentials": s.credentials,
        "npi": s.npi.as_ref().map(|n| n.as_str()), "taxonomy_code": s.taxonomy_code,
        "emails": s.emails, "phones": s.phones, "preferred_channel": s.preferred_channel.map(|c| c.as_str()),
        "best_contact_times": s.best_contact_times, "do_not_contact": s.do_not_contact,
        "tier": s.tier.map(|t| t.as_str()), "tags": s.tags,
    })
}

fn row_view(r: &StakeholderRow) -> serde_json::Value {
    serde_json::json!({
        "kind": r.kind, "prefix": r.prefix, "first_name": r.first_name, "middle_name": r.middle_name,
        "last_name": r.last_name, "suffix": r.suffix, "credentials": r.credentials, "npi": r.npi,
        "taxonomy_code": r.taxonomy_code, "emails": r.emails, "phones": r.phones,
        "preferred_channel": r.preferred_channel, "best_contact_times": r.best_contact_times,
        "do_not_contact": r.do_not_contact, "tier": r.tier, "tags": r.tags,
    })
}

fn bind_input<'q>(
    q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    s: &'q StakeholderInput,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    q.bind(s.kind.as_str())
        .bind(&s.prefix)
        .bind(&s.first_name)
        .bind(&s.middle_name)
        .bind(&s.last_name)
        .bind(&s.suffix)
        .bind(&s.credentials)
        .bind(s.npi.as_ref().map(|n| n.as_str()))
        .bind(&s.taxonomy_code)
        .bind(&s.emails)
        .bind(&s.phones)
        .bind(s.preferred_channel.map(|c| c.as_str()))
        .bind(&s.best_contact_times)
        .bind(s.do_not_contact)
        .bind(s.tier.map(|t| t.as_str()))
        .bind(&s.tags)
}

/// Rewrites the search terms of `ids` from their current rows (after any change to names,
/// NPI, credentials, specialty or tags), in the caller's transaction.
pub async fn refresh_terms(
    conn: &mut PgConnection,
    actor: &Actor,
    ids: &[uuid::Uuid],
) -> sqlx::Result<()> {
    #[derive(sqlx::FromRow)]
    struct Source {
        id: uuid::Uuid,
        first_name: String,
        middle_name: Option<String>,
        last_name: String,
        npi: Option<String>,
        credentials: Option<String>,
        tags: Vec<String>,
        specialty: Option<String>,
        places: Vec<String>,
    }
    let rows: Vec<Source> = sqlx::query_as(
        "select s.id, s.first_name, s.middle_name, s.last_name, s.npi, s.credentials, s.tags, t.display_name as specialty,
                array(select coalesce(o.name, f.name) from affiliations a
                      left join organizations o on o.id = a.organization_id left join facilities f on f.id = a.facility_id
                      where a.stakeholder_id = s.id and (a.ends_on is null or a.ends_on >= current_date)) as places
         from unnest($1::uuid[]) as ids(id)
         join stakeholders s on s.id = ids.id
         left join taxonomy t on t.code = s.taxonomy_code",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut terms: Vec<String> = Vec::new();
    let mut owners: Vec<uuid::Uuid> = Vec::new();
    for r in &rows {
        let text = StakeholderText {
            first_name: &r.first_name,
            middle_name: r.middle_name.as_deref(),
            last_name: &r.last_name,
            npi: r.npi.as_deref(),
            credentials: r.credentials.as_deref(),
            tags: &r.tags,
            specialty: r.specialty.as_deref(),
            places: &r.places,
        };
        for term in text.terms() {
            terms.push(term);
            owners.push(r.id);
        }
    }
    sqlx::query("delete from stakeholder_terms using unnest($1::uuid[]) as ids(id) where stakeholder_id = ids.id")
        .bind(ids)
        .execute(&mut *conn)
        .await?;
    for (t, o) in terms.chunks(20_000).zip(owners.chunks(20_000)) {
        sqlx::query(
            "insert into stakeholder_terms (tenant_id, term, stakeholder_id)
             select $1, term, id from unnest($2::text[], $3::uuid[]) as u(term, id) on conflict do nothing",
        )
        .bind(actor.tenant_id)
        .bind(t)
        .bind(o)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Creates a stakeholder and records the audit event, in the caller's transaction.
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    s: &StakeholderInput,
) -> sqlx::Result<StakeholderId> {
    let id = StakeholderId::new();
    let q = sqlx::query(
        "insert into stakeholders (kind, prefix, first_name, middle_name, last_name, suffix, credentials, npi,
            taxonomy_code, emails, phones, preferred_channel, best_contact_times, do_not_contact, tier, tags,
            tenant_id, id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    );
    bind_input(q, s)
        .bind(actor.tenant_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    refresh_terms(&mut *conn, actor, &[id.0]).await?;
    super::audit::record(
        conn,
        actor,
        "stakeholder.create",
        "stakeholder",
        Some(id.to_string()),
        audit_view(s),
    )
    .await?;
    Ok(id)
}

/// Updates a stakeholder with an audit event of the changed fields; false when not found.
pub async fn update_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: StakeholderId,
    s: &StakeholderInput,
) -> sqlx::Result<bool> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(false);
    };
    let q = sqlx::query(
        "update stakeholders set kind = $1, prefix = $2, first_name = $3, middle_name = $4, last_name = $5,
            suffix = $6, credentials = $7, npi = $8, taxonomy_code = $9, emails = $10, phones = $11,
            preferred_channel = $12, best_contact_times = $13, do_not_contact = $14, tier = $15, tags = $16,
            updated_at = now()
         where id = $17",
    );
    bind_input(q, s).bind(id).execute(&mut *conn).await?;
    refresh_terms(&mut *conn, actor, &[id.0]).await?;
    let changes = super::audit::diff(&row_view(&before), &audit_view(s));
    super::audit::record(
        conn,
        actor,
        "stakeholder.update",
        "stakeholder",
        Some(id.to_string()),
        changes,
    )
    .await?;
    Ok(true)
}

/// A change applied to many stakeholders at once.
#[derive(Clone, Debug)]
pub enum BulkChange {
    AddTag(String),
    RemoveTag(String),
    SetTier(Option<Tier>),
    Archive,
    Restore,
}

/// Applies `change` to `ids` (those that exist in this tenant); one audit event per record.
pub async fn bulk_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    ids: &[StakeholderId],
    change: &BulkChange,
) -> sqlx::Result<u64> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
    let (sql, value, action, changes): (&str, Option<String>, &str, serde_json::Value) = match change {
        BulkChange::AddTag(tag) => (
            "update stakeholders set tags = array_append(tags, $2), updated_at = now()
             where id = any($1) and not exists (select 1 from unnest(tags) t where lower(t) = lower($2))
             returning id",
            Some(tag.clone()),
            "stakeholder.tag_add",
            serde_json::json!({ "tag": tag }),
        ),
        BulkChange::RemoveTag(tag) => (
            "update stakeholders set tags = array(select t from unnest(tags) t where lower(t) <> lower($2)), updated_at = now()
             where id = any($1) and exists (select 1 from unnest(tags) t where lower(t) = lower($2))
             returning id",
            Some(tag.clone()),
            "stakeholder.tag_remove",
            serde_json::json!({ "tag": tag }),
        ),
        BulkChange::SetTier(tier) => (
            "update stakeholders set tier = $2, updated_at = now() where id = any($1) and tier is distinct from $2 returning id",
            tier.map(|t| t.as_str().to_string()),
            "stakeholder.update",
            serde_json::json!({ "tier": tier.map(|t| t.as_str()) }),
        ),
        BulkChange::Archive => (
            "update stakeholders set status = 'archived', updated_at = now() where id = any($1) and status <> 'archived' and $2::text is null returning id",
            None,
            "stakeholder.archive",
            serde_json::json!({ "status": "archived" }),
        ),
        BulkChange::Restore => (
            "update stakeholders set status = 'active', updated_at = now() where id = any($1) and status <> 'active' and $2::text is null returning id",
            None,
            "stakeholder.restore",
            serde_json::json!({ "status": "active" }),
        ),
    };
    let changed: Vec<uuid::Uuid> = sqlx::query_scalar(sql)
        .bind(&ids)
        .bind(value)
        .fetch_all(&mut *conn)
        .await?;
    if matches!(change, BulkChange::AddTag(_) | BulkChange::RemoveTag(_)) {
        refresh_terms(&mut *conn, actor, &changed).await?;
    }
    sqlx::query(
        "insert into audit_events (tenant_id, user_id, action, entity, entity_id, ip, request_id, changes)
         select $1, $2, $3, 'stakeholder', id::text, $4::inet, $5, $6 || jsonb_build_object('bulk', true)
         from unnest($7::uuid[]) id",
    )
    .bind(actor.tenant_id)
    .bind(actor.user_id)
    .bind(action)
    .bind(actor.ip.map(|ip| ip.to_string()))
    .bind(&actor.request_id)
    .bind(changes)
    .bind(&changed)
    .execute(conn)
    .await?;
    Ok(changed.len() as u64)
}

pub async fn count_active(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from stakeholders where status = 'active'")
        .fetch_one(conn)
        .await
}

/// Inserts many stakeholders at once (generated data sets); one audit event for the batch.
/// Rows whose NPI the workspace already has are skipped. Returns how many were added.
pub async fn insert_many(
    conn: &mut PgConnection,
    actor: &Actor,
    people: &[StakeholderInput],
) -> sqlx::Result<u64> {
    let mut added = 0;
    // 18 parameters a row; PostgreSQL allows 65,535 parameters a statement.
    for chunk in people.chunks(2_000) {
        let mut qb = QueryBuilder::new(
            "insert into stakeholders (tenant_id, id, kind, prefix, first_name, middle_name, last_name, suffix,
                credentials, npi, taxonomy_code, emails, phones, preferred_channel, best_contact_times,
                do_not_contact, tier, tags) ",
        );
        qb.push_values(chunk, |mut b, s| {
            b.push_bind(actor.tenant_id)
                .push_bind(StakeholderId::new())
                .push_bind(s.kind.as_str())
                .push_bind(&s.prefix)
                .push_bind(&s.first_name)
                .push_bind(&s.middle_name)
                .push_bind(&s.last_name)
                .push_bind(&s.suffix)
                .push_bind(&s.credentials)
                .push_bind(s.npi.as_ref().map(|n| n.as_str()))
                .push_bind(&s.taxonomy_code)
                .push_bind(&s.emails)
                .push_bind(&s.phones)
                .push_bind(s.preferred_channel.map(|c| c.as_str()))
                .push_bind(&s.best_contact_times)
                .push_bind(s.do_not_contact)
                .push_bind(s.tier.map(|t| t.as_str()))
                .push_bind(&s.tags);
        });
        qb.push(" on conflict (tenant_id, npi) where npi is not null do nothing returning id");
        let ids: Vec<uuid::Uuid> = qb.build_query_scalar().fetch_all(&mut *conn).await?;
        refresh_terms(&mut *conn, actor, &ids).await?;
        added += ids.len() as u64;
    }
    super::audit::record(
        conn,
        actor,
        "stakeholder.generate",
        "stakeholder",
        None,
        serde_json::json!({ "rows": added }),
    )
    .await?;
    Ok(added)
}

/// SQL for a stakeholder's display name ("Dr. Ana Ruiz, MD") from the row aliased `alias`.
pub fn name_sql(alias: &str) -> String {
    format!(
        "(concat_ws(' ', {alias}.prefix, {alias}.first_name, {alias}.middle_name, {alias}.last_name, {alias}.suffix) \
         || coalesce(', ' || {alias}.credentials, ''))"
    )
}

/// A stakeholder as others' pages name them.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub id: uuid::Uuid,
    pub name: String,
    pub specialty: Option<String>,
}

/// Up to `limit` active stakeholders whose names or NPI match `q` (the pickers' typeahead).
pub async fn pick(conn: &mut PgConnection, q: &str, limit: i64) -> sqlx::Result<Vec<PersonRef>> {
    let filter = StakeholderFilter {
        q: Some(q.chars().take(100).collect()),
        archived: Some(false),
        ..Default::default()
    };
    let page = list(conn, &filter, super::PageRequest::new(Some(1), Some(limit))).await?;
    Ok(page
        .items
        .into_iter()
        .map(|s| PersonRef {
            id: s.id.0,
            name: s.display_name(),
            specialty: s.specialty,
        })
        .collect())
}

/// Active stakeholders by NPI, for lists people paste. Returns the ids found, and what was
/// not a valid NPI or matched nobody active (as typed).
pub async fn resolve_npis(
    conn: &mut PgConnection,
    raw: &[String],
) -> sqlx::Result<(Vec<uuid::Uuid>, Vec<String>)> {
    let mut unknown = Vec::new();
    let mut npis = Vec::new();
    for r in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        match crate::domain::Npi::parse(r) {
            Ok(n) => npis.push(n.as_str().to_string()),
            Err(_) => unknown.push(r.to_string()),
        }
    }
    if npis.is_empty() {
        return Ok((Vec::new(), unknown));
    }
    let found: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "select id, npi from stakeholders where npi = any($1) and status = 'active'",
    )
    .bind(&npis)
    .fetch_all(conn)
    .await?;
    let mut ids = Vec::new();
    for n in npis {
        match found.iter().find(|(_, f)| *f == n) {
            Some((id, _)) => ids.push(*id),
            None => unknown.push(n),
        }
    }
    Ok((ids, unknown))
}
