//! Pulse surveys: the survey and its questions, private links (stored as hashes), answers
//! through a link (once), and the results.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::auth::secret::{compose, hash_secret, random_secret};
use crate::domain::{Answer, QuestionKind, SurveyInput, SurveyStatus};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SurveyRow {
    pub id: Uuid,
    pub title: String,
    pub intro: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    /// draft, open or closed.
    pub status: String,
    /// Links sent and not revoked.
    pub recipients: i64,
    pub responses: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SurveyRow {
    pub fn status(&self) -> SurveyStatus {
        SurveyStatus::parse(&self.status).unwrap_or(SurveyStatus::Draft)
    }

    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }

    /// Responses per link sent, in percent.
    pub fn response_rate(&self) -> Option<f64> {
        (self.recipients > 0).then(|| self.responses as f64 * 100.0 / self.recipients as f64)
    }

    pub fn response_rate_text(&self) -> String {
        self.response_rate()
            .map(|r| format!("{r:.0}%"))
            .unwrap_or_else(|| "—".into())
    }
}

const SELECT: &str = "select v.id, v.title, v.intro, v.campaign_id, c.name as campaign_name, v.status,
    (select count(*) from survey_recipients r where r.survey_id = v.id and r.revoked_at is null) as recipients,
    (select count(*) from survey_recipients r where r.survey_id = v.id and r.responded_at is not null) as responses,
    v.created_at, v.updated_at
    from surveys v left join campaigns c on c.tenant_id = v.tenant_id and c.id = v.campaign_id";

pub async fn list(conn: &mut PgConnection, campaign: Option<Uuid>) -> sqlx::Result<Vec<SurveyRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::uuid is null or v.campaign_id = $1)
         order by case v.status when 'open' then 0 when 'draft' then 1 else 2 end, v.created_at desc limit 500"
    ))
    .bind(campaign)
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<SurveyRow>> {
    sqlx::query_as(&format!("{SELECT} where v.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct QuestionRow {
    pub id: Uuid,
    pub position: i16,
    /// likert or text.
    pub kind: String,
    pub prompt: String,
    pub required: bool,
}

impl QuestionRow {
    pub fn kind(&self) -> QuestionKind {
        QuestionKind::parse(&self.kind).unwrap_or(QuestionKind::Text)
    }

    pub fn is_likert(&self) -> bool {
        self.kind() == QuestionKind::Likert
    }
}

pub async fn questions(conn: &mut PgConnection, survey: Uuid) -> sqlx::Result<Vec<QuestionRow>> {
    sqlx::query_as(
        "select id, position, kind, prompt, required from survey_questions where survey_id = $1 order by position",
    )
    .bind(survey)
    .fetch_all(conn)
    .await
}

pub const TITLE_KEY: &str = "surveys_title_key";
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        TITLE_KEY,
        "title",
        "There is already a survey with this title.",
    ),
    (
        "surveys_tenant_id_campaign_id_fkey",
        "campaign_id",
        "Choose a campaign from the list.",
    ),
];

/// Why a survey could not change.
pub const QUESTIONS_FIXED: &str =
    "Links have gone out, so the questions are fixed: every respondent answers the same survey.";

/// Creates a survey (draft) or replaces a draft's title, intro, campaign and questions.
/// `Ok(Err(..))` when it is not a draft any more; `Ok(Ok(None))` when not found.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    s: &SurveyInput,
) -> sqlx::Result<Result<Option<Uuid>, &'static str>> {
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "insert into surveys (tenant_id, id, title, intro, campaign_id, created_by) values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(&s.title)
            .bind(&s.intro)
            .bind(s.campaign_id)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let status: Option<String> =
                sqlx::query_scalar("select status from surveys where id = $1 for update")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match status.as_deref() {
                None => return Ok(Ok(None)),
                Some("draft") => {}
                Some(_) => return Ok(Err(QUESTIONS_FIXED)),
            }
            sqlx::query(
                "update surveys set title = $2, intro = $3, campaign_id = $4, updated_at = now() where id = $1",
            )
            .bind(id)
            .bind(&s.title)
            .bind(&s.intro)
            .bind(s.campaign_id)
            .execute(&mut *conn)
            .await?;
            sqlx::query("delete from survey_questions where survey_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    for (i, q) in s.questions.iter().enumerate() {
        sqlx::query(
            "insert into survey_questions (tenant_id, id, survey_id, position, kind, prompt, required)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(actor.tenant_id)
        .bind(Uuid::new_v4())
        .bind(saved)
        .bind(i as i16)
        .bind(q.kind.as_str())
        .bind(&q.prompt)
        .bind(q.required)
        .execute(&mut *conn)
        .await?;
    }
    super::audit::record(
        conn,
        actor,
        if id.is_some() { "survey.update" } else { "survey.create" },
        "survey",
        Some(saved.to_string()),
        serde_json::json!({ "title": s.title, "campaign_id": s.campaign_id, "questions": s.questions.len() }),
    )
    .await?;
    Ok(Ok(Some(saved)))
}

/// Opens or closes a survey. `None` when not found.
pub async fn set_status_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    to: SurveyStatus,
) -> sqlx::Result<Option<()>> {
    let from: Option<String> = sqlx::query_scalar(
        "update surveys s set status = $2, updated_at = now() from (select status from surveys where id = $1) old
         where s.id = $1 returning old.status",
    )
    .bind(id)
    .bind(to.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(from) = from else { return Ok(None) };
    super::audit::record(
        conn,
        actor,
        "survey.status",
        "survey",
        Some(id.to_string()),
        serde_json::json!({ "status": { "from": from, "to": to.as_str() } }),
    )
    .await?;
    Ok(Some(()))
}

/// A link made for one person: shown once, never stored in the clear.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewLink {
    pub recipient_id: Uuid,
    pub stakeholder_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    /// The path of the private link, `/s/<token>`.
    pub path: String,
}

/// Makes a private link for each of `people` who has none yet, is active and may be
/// contacted; opens a draft survey. Returns the new links and how many people were skipped.
pub async fn send_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    survey: Uuid,
    people: &[Uuid],
) -> sqlx::Result<(Vec<NewLink>, i64)> {
    let fresh: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(&format!(
        "select s.id, {} as name, s.emails[1] from stakeholders s
         where s.id = any($1) and s.status = 'active' and not s.do_not_contact
           and not exists (select 1 from survey_recipients r where r.survey_id = $2 and r.stakeholder_id = s.id)
         order by lower(s.last_name), lower(s.first_name), s.id",
        super::stakeholders::name_sql("s")
    ))
    .bind(people)
    .bind(survey)
    .fetch_all(&mut *conn)
    .await?;
    let mut links = Vec::with_capacity(fresh.len());
    let (mut ids, mut whos, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    for (who, name, email) in fresh {
        let secret = random_secret();
        let id = Uuid::new_v4();
        ids.push(id);
        whos.push(who);
        hashes.push(hash_secret(&secret));
        links.push(NewLink {
            recipient_id: id,
            stakeholder_id: who,
            name,
            email,
            path: format!("/s/{}", compose(actor.tenant_id, &secret)),
        });
    }
    sqlx::query(
        "insert into survey_recipients (tenant_id, id, survey_id, stakeholder_id, token_hash)
         select $1, t.id, $2, t.who, t.hash from unnest($3::uuid[], $4::uuid[], $5::bytea[]) as t(id, who, hash)",
    )
    .bind(actor.tenant_id)
    .bind(survey)
    .bind(&ids)
    .bind(&whos)
    .bind(&hashes)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update surveys set status = 'open', updated_at = now() where id = $1 and status = 'draft'",
    )
    .bind(survey)
    .execute(&mut *conn)
    .await?;
    let skipped = people.len() as i64 - links.len() as i64;
    super::audit::record(
        conn,
        actor,
        "survey.send",
        "survey",
        Some(survey.to_string()),
        serde_json::json!({ "links": links.len(), "skipped": skipped }),
    )
    .await?;
    Ok((links, skipped.max(0)))
}

/// Replaces one person's link (the old one stops working); `None` when the recipient is
/// not the survey's or has already answered.
pub async fn reissue_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    survey: Uuid,
    recipient: Uuid,
) -> sqlx::Result<Option<NewLink>> {
    let secret = random_secret();
    let row: Option<(Uuid, String, Option<String>)> = sqlx::query_as(&format!(
        "update survey_recipients r set token_hash = $3, revoked_at = null, sent_at = now()
         from stakeholders s where s.tenant_id = r.tenant_id and s.id = r.stakeholder_id
           and r.id = $1 and r.survey_id = $2 and r.responded_at is null
         returning s.id, {} as name, s.emails[1]",
        super::stakeholders::name_sql("s")
    ))
    .bind(recipient)
    .bind(survey)
    .bind(hash_secret(&secret))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((who, name, email)) = row else {
        return Ok(None);
    };
    super::audit::record(
        conn,
        actor,
        "survey.reissue",
        "survey",
        Some(survey.to_string()),
        serde_json::json!({ "recipient_id": recipient }),
    )
    .await?;
    Ok(Some(NewLink {
        recipient_id: recipient,
        stakeholder_id: who,
        name,
        email,
        path: format!("/s/{}", compose(actor.tenant_id, &secret)),
    }))
}

/// Revokes one person's link; false when there is nothing to revoke.
pub async fn revoke_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    survey: Uuid,
    recipient: Uuid,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "update survey_recipients set revoked_at = now() where id = $1 and survey_id = $2
           and revoked_at is null and responded_at is null",
    )
    .bind(recipient)
    .bind(survey)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    super::audit::record(
        conn,
        actor,
        "survey.revoke",
        "survey",
        Some(survey.to_string()),
        serde_json::json!({ "recipient_id": recipient }),
    )
    .await?;
    Ok(true)
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RecipientRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub name: String,
    pub sent_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn recipients(
    conn: &mut PgConnection,
    survey: Uuid,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<RecipientRow>> {
    let columns = format!(
        "r.id, r.stakeholder_id, {} as name, r.sent_at, r.responded_at, r.revoked_at",
        super::stakeholders::name_sql("s")
    );
    super::fetch_page(
        conn,
        &columns,
        "survey_recipients r join stakeholders s on s.tenant_id = r.tenant_id and s.id = r.stakeholder_id",
        |qb| {
            qb.push(" where r.survey_id = ").push_bind(survey);
        },
        "r.responded_at desc nulls last, lower(s.last_name), r.id",
        page,
    )
    .await
}

/// What one question's answers add up to.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question: QuestionRow,
    pub answered: i64,
    /// Answers 1 to 5, for scale questions.
    pub distribution: [i64; 5],
    pub mean: Option<f64>,
    /// Share answering 4 or 5 (agree), in percent.
    pub agree_pct: Option<f64>,
    /// The latest free-text answers (up to 50).
    pub texts: Vec<String>,
}

impl QuestionResult {
    /// Each point's share of the answers, for the bars: (point, count, percent).
    pub fn bars(&self) -> Vec<(usize, i64, i64)> {
        self.distribution
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let pct = if self.answered > 0 {
                    n * 100 / self.answered
                } else {
                    0
                };
                (i + 1, *n, pct)
            })
            .collect()
    }
}

pub async fn results(conn: &mut PgConnection, survey: Uuid) -> sqlx::Result<Vec<QuestionResult>> {
    let mut out = Vec::new();
    for q in questions(conn, survey).await? {
        let counts: Vec<(i16, i64)> = sqlx::query_as(
            "select likert, count(*) from survey_answers where question_id = $1 and likert is not null group by likert",
        )
        .bind(q.id)
        .fetch_all(&mut *conn)
        .await?;
        let mut distribution = [0i64; 5];
        for (point, n) in counts {
            if let Some(slot) = usize::try_from(point - 1)
                .ok()
                .and_then(|i| distribution.get_mut(i))
            {
                *slot = n;
            }
        }
        let texts: Vec<String> = sqlx::query_scalar(
            "select a.answer from survey_answers a join survey_recipients r on r.tenant_id = a.tenant_id and r.id = a.recipient_id
             where a.question_id = $1 and a.answer is not null order by r.responded_at desc limit 50",
        )
        .bind(q.id)
        .fetch_all(&mut *conn)
        .await?;
        let scale: i64 = distribution.iter().sum();
        let weighted: i64 = distribution
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i64 + 1) * n)
            .sum();
        out.push(QuestionResult {
            answered: if q.is_likert() {
                scale
            } else {
                texts.len() as i64
            },
            mean: (scale > 0).then(|| weighted as f64 / scale as f64),
            agree_pct: (scale > 0)
                .then(|| (distribution[3] + distribution[4]) as f64 * 100.0 / scale as f64),
            distribution,
            texts,
            question: q,
        });
    }
    Ok(out)
}

/// Agreement with a campaign's message: the share answering 4 or 5 to the first scale
/// question of the campaign's most recent survey with answers.
pub async fn campaign_agreement(
    conn: &mut PgConnection,
    campaign: Uuid,
) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar(
        "select (count(*) filter (where a.likert >= 4))::float8 * 100 / nullif(count(*), 0)
         from survey_answers a
         where a.question_id = (
           select q.id from surveys v join survey_questions q on q.tenant_id = v.tenant_id and q.survey_id = v.id
           where v.campaign_id = $1 and q.kind = 'likert'
             and exists (select 1 from survey_answers x where x.question_id = q.id)
           order by v.created_at desc, q.position limit 1)
           and a.likert is not null",
    )
    .bind(campaign)
    .fetch_one(conn)
    .await
}

/// What a private link opens.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkTarget {
    pub recipient_id: Uuid,
    pub stakeholder_id: Uuid,
    pub survey_id: Uuid,
    pub title: String,
    pub intro: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub status: String,
    pub responded_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The recipient a link's secret belongs to (inside the link's tenant).
pub async fn by_secret(conn: &mut PgConnection, secret: &str) -> sqlx::Result<Option<LinkTarget>> {
    sqlx::query_as(
        "select r.id as recipient_id, r.stakeholder_id, v.id as survey_id, v.title, v.intro, v.campaign_id, v.status,
           r.responded_at, r.revoked_at
         from survey_recipients r join surveys v on v.tenant_id = r.tenant_id and v.id = r.survey_id
         where r.token_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(conn)
    .await
}

/// Records a response once: marks the link used (only if still unused, unrevoked and the
/// survey open), stores the answers, and logs it as an inbound survey touch-point that
/// moves the cadence clock. False when the link was already used meanwhile.
pub async fn respond_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    target: &LinkTarget,
    answers: &[(Uuid, Answer)],
    outcome: &str,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query(
        "update survey_recipients r set responded_at = now()
         where r.id = $1 and r.responded_at is null and r.revoked_at is null
           and exists (select 1 from surveys v where v.id = r.survey_id and v.status = 'open')",
    )
    .bind(target.recipient_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(false);
    }
    for (question, answer) in answers {
        let (likert, text) = match answer {
            Answer::Likert(n) => (Some(*n), None),
            Answer::Text(t) => (None, Some(t.as_str())),
        };
        sqlx::query(
            "insert into survey_answers (tenant_id, recipient_id, question_id, survey_id, likert, answer)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(actor.tenant_id)
        .bind(target.recipient_id)
        .bind(question)
        .bind(target.survey_id)
        .bind(likert)
        .bind(text)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "insert into touchpoints (tenant_id, id, stakeholder_id, channel, direction, occurred_at, purpose, outcome, campaign_id)
         values ($1, $2, $3, 'survey', 'inbound', now(), $4, $5, $6)",
    )
    .bind(actor.tenant_id)
    .bind(Uuid::now_v7())
    .bind(target.stakeholder_id)
    .bind(format!("Survey: {}", target.title.chars().take(180).collect::<String>()))
    .bind(outcome)
    .bind(target.campaign_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update stakeholders set last_contact_at = now() where id = $1 and (last_contact_at is null or last_contact_at < now())",
    )
    .bind(target.stakeholder_id)
    .execute(&mut *conn)
    .await?;
    super::audit::record(
        conn,
        actor,
        "survey.response",
        "survey",
        Some(target.survey_id.to_string()),
        serde_json::json!({ "recipient_id": target.recipient_id, "answers": answers.len() }),
    )
    .await?;
    Ok(true)
}
