//! Feedback pages: the list, logging what a stakeholder said, one item with its loop
//! (acknowledge, resolve, inform), the escalation queue and the workspace's topics.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::feedback::{FeedbackFilter, FeedbackRow, QueueRow, StatusGroup, TopicRow};
use crate::db::stakeholders::PersonRef;
use crate::db::{self, PageRequest};
use crate::domain::{
    FeedbackDraft, FeedbackStatus, FeedbackStepDraft, StakeholderId, clean_required,
};
use crate::error::{AppError, AppResult, FieldErrors, on_constraint, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feedback", get(list).post(create))
        .route("/feedback/new", get(new))
        .route("/feedback/queue", get(queue))
        .route("/feedback/{id}", get(show))
        .route("/feedback/{id}/step", post(step))
        .route("/admin/topics", get(topics).post(create_topic))
        .route("/admin/topics/{id}", post(update_topic))
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    status: Option<String>,
    topic: Option<String>,
    campaign: Option<String>,
    concerns: Option<String>,
    overdue: Option<String>,
    mine: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<FeedbackRow>,
    pager: Pager,
    topics: Vec<TopicRow>,
    status: String,
    topic: String,
    concerns: bool,
    overdue: bool,
    mine: bool,
    filtered: bool,
    can_edit: bool,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<ListPage> {
    let on = |v: &Option<String>| super::checkbox(v);
    let status = match q.status.as_deref() {
        Some("closed") => StatusGroup::Closed,
        Some("all") => StatusGroup::All,
        _ => StatusGroup::Open,
    };
    let status_key = match status {
        StatusGroup::Open => "open",
        StatusGroup::Closed => "closed",
        StatusGroup::All => "all",
    };
    let topic = q.topic.as_deref().and_then(|t| t.parse::<Uuid>().ok());
    let filter = FeedbackFilter {
        topic_id: topic,
        owner_id: on(&q.mine).then_some(user.user_id.0),
        status,
        concerns: on(&q.concerns),
        overdue: on(&q.overdue),
        stakeholder_id: None,
        campaign_id: q.campaign.as_deref().and_then(|c| c.parse::<Uuid>().ok()),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::feedback::list(&mut tx, &filter, PageRequest::new(q.page, None)).await?;
    let topics = db::feedback::topics(&mut tx, false).await?;
    tx.commit().await?;
    let topic_key = topic.map(|t| t.to_string()).unwrap_or_default();
    let campaign_key = filter.campaign_id.map(|c| c.to_string());
    let base = query_base(
        "/feedback",
        &[
            ("status", Some(status_key).filter(|s| *s != "open")),
            ("topic", Some(topic_key.as_str())),
            ("campaign", campaign_key.as_deref()),
            ("concerns", filter.concerns.then_some("on")),
            ("overdue", filter.overdue.then_some("on")),
            ("mine", filter.owner_id.is_some().then_some("on")),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Feedback", "feedback"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        topics,
        status: status_key.into(),
        topic: topic_key,
        concerns: filter.concerns,
        overdue: filter.overdue,
        mine: filter.owner_id.is_some(),
        filtered: base != "/feedback",
        can_edit: user.role.can_edit_book(),
    })
}

#[derive(Deserialize, Default, Clone)]
struct FeedbackForm {
    stakeholder_id: Option<String>,
    topic_id: Option<String>,
    sentiment: Option<String>,
    #[serde(default)]
    body: String,
    received_on: Option<String>,
    owner_id: Option<String>,
    due_on: Option<String>,
    campaign_id: Option<String>,
}

impl FeedbackForm {
    fn draft(&self) -> FeedbackDraft {
        FeedbackDraft {
            stakeholder_id: self.stakeholder_id.clone(),
            topic_id: self.topic_id.clone(),
            sentiment: self.sentiment.clone().map(serde_json::Value::String),
            body: self.body.clone(),
            received_on: self.received_on.clone(),
            owner_id: self.owner_id.clone(),
            due_on: self.due_on.clone(),
            campaign_id: self.campaign_id.clone(),
        }
    }

    fn sentiment_is(&self, v: &&i16) -> bool {
        self.sentiment
            .as_deref()
            .and_then(|s| s.trim_start_matches('+').parse::<i16>().ok())
            == Some(**v)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback/form.html")]
struct FormPage {
    layout: Layout,
    form: FeedbackForm,
    person: Option<PersonRef>,
    topics: Vec<TopicRow>,
    users: Vec<(Uuid, String)>,
    campaigns: Vec<(Uuid, String)>,
    me: Uuid,
    errors: FieldErrors,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }
}

const SENTIMENTS: [(i16, &str); 5] = [
    (-2, "Very negative"),
    (-1, "Negative"),
    (0, "Neutral"),
    (1, "Positive"),
    (2, "Very positive"),
];

impl FormPage {
    fn sentiments(&self) -> &'static [(i16, &'static str)] {
        &SENTIMENTS
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    form: FeedbackForm,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let person = match form
        .stakeholder_id
        .as_deref()
        .and_then(|s| s.parse::<Uuid>().ok())
    {
        Some(id) => db::stakeholders::find(&mut tx, StakeholderId(id))
            .await?
            .map(|s| PersonRef {
                id,
                name: s.display_name(),
                specialty: s.specialty,
            }),
        None => None,
    };
    let topics = db::feedback::topics(&mut tx, false).await?;
    let users = db::assignments::users(&mut tx).await?;
    let campaigns = db::campaigns::open_choices(&mut tx).await?;
    tx.commit().await?;
    Ok(FormPage {
        layout: Layout::new(user, "Log feedback", "feedback"),
        form,
        person,
        topics,
        users,
        campaigns,
        me: user.user_id.0,
        errors,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    stakeholder: Option<String>,
    campaign: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let form = FeedbackForm {
        stakeholder_id: q.stakeholder,
        campaign_id: q.campaign,
        ..Default::default()
    };
    form_page(&state, &user, form, FieldErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<FeedbackForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let today = chrono::Utc::now().date_naive();
    let input = match form.draft().validate(today) {
        Ok(i) => i,
        Err(errors) => {
            let page = form_page(&state, &user, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::feedback::topic_open(&mut tx, input.topic_id).await? {
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.insert("topic_id", db::feedback::TOPIC_CLOSED.into());
        let page = form_page(&state, &user, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Err(e) = db::feedback::create_audited(&mut tx, &user.actor(), &input).await {
        return match on_constraints(e, db::feedback::CONSTRAINTS) {
            AppError::Invalid(errors) => {
                drop(tx);
                let page = form_page(&state, &user, form, errors).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            other => Err(other),
        };
    }
    tx.commit().await?;
    let message = if input.sentiment < 0 {
        "Feedback logged as an open concern; it is in the escalation queue until it is resolved."
    } else {
        "Feedback logged."
    };
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{}#timeline", input.stakeholder_id),
        message,
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback/show.html")]
struct ShowPage {
    layout: Layout,
    f: FeedbackRow,
    users: Vec<(Uuid, String)>,
    statuses: &'static [FeedbackStatus],
    form: FeedbackStepDraft,
    errors: FieldErrors,
    can_edit: bool,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: Option<FeedbackStepDraft>,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let f = db::feedback::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let users = db::assignments::users(&mut tx).await?;
    tx.commit().await?;
    let form = form.unwrap_or_else(|| {
        let next = match f.status.as_str() {
            "open" => "acknowledged",
            "acknowledged" => "resolved",
            "resolved" => "informed",
            other => other,
        };
        FeedbackStepDraft {
            status: next.into(),
            resolution: f.resolution.clone(),
            owner_id: f.owner_id.map(|o| o.to_string()),
            due_on: f.due_on.map(|d| d.to_string()),
        }
    });
    Ok(ShowPage {
        layout: Layout::new(user, format!("Feedback: {}", f.topic), "feedback"),
        f,
        users,
        statuses: FeedbackStatus::ALL,
        form,
        errors,
        can_edit: user.role.can_edit_book(),
    })
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<ShowPage> {
    show_page(&state, &user, id, None, FieldErrors::new()).await
}

async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<FeedbackStepDraft>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let s = match form.validate() {
        Ok(s) => s,
        Err(errors) => {
            let page = show_page(&state, &user, id, Some(form), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::feedback::step_audited(&mut tx, &user.actor(), id, &s).await {
        Ok(saved) => saved.ok_or(AppError::NotFound)?,
        Err(e) => {
            return match on_constraints(e, db::feedback::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    let page = show_page(&state, &user, id, Some(form), errors).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/feedback/{id}"),
        &format!("Marked {}.", saved.status_label().to_lowercase()),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback/queue.html")]
struct QueuePage {
    layout: Layout,
    topics: Vec<QueueRow>,
    oldest: Vec<FeedbackRow>,
    total: i64,
}

/// The escalation queue: open concerns by topic and age, and the oldest of them.
async fn queue(State(state): State<AppState>, user: CurrentUser) -> AppResult<QueuePage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let topics = db::feedback::queue(&mut tx).await?;
    let filter = FeedbackFilter {
        concerns: true,
        ..Default::default()
    };
    let oldest = db::feedback::list(&mut tx, &filter, PageRequest::new(Some(1), Some(20))).await?;
    tx.commit().await?;
    Ok(QueuePage {
        layout: Layout::new(&user, "Escalation queue", "feedback"),
        total: topics.iter().map(|t| t.open).sum(),
        topics,
        oldest: oldest.items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback/topics.html")]
struct TopicsPage {
    layout: Layout,
    topics: Vec<TopicRow>,
    name: String,
    error: Option<String>,
}

async fn topics_page(
    state: &AppState,
    user: &CurrentUser,
    name: String,
    error: Option<String>,
) -> AppResult<TopicsPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let topics = db::feedback::topics(&mut tx, true).await?;
    tx.commit().await?;
    Ok(TopicsPage {
        layout: Layout::new(user, "Feedback topics", "topics"),
        topics,
        name,
        error,
    })
}

async fn topics(State(state): State<AppState>, user: CurrentUser) -> AppResult<TopicsPage> {
    user.require_admin()?;
    topics_page(&state, &user, String::new(), None).await
}

#[derive(Deserialize, Default)]
struct TopicForm {
    #[serde(default)]
    name: String,
    archived: Option<String>,
}

const TOPIC_TAKEN: &str = "There is already a topic with this name.";

async fn save_topic(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: TopicForm,
) -> AppResult<Response> {
    user.require_admin()?;
    let name = match clean_required(&form.name, 80, "a topic name") {
        Ok(n) => n,
        Err(e) => {
            let page = topics_page(state, user, form.name, Some(e)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let archived = super::checkbox(&form.archived);
    match db::feedback::save_topic_audited(&mut tx, &user.actor(), id, &name, archived).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            return match on_constraint(e, db::feedback::TOPIC_NAME_KEY, "name", TOPIC_TAKEN) {
                AppError::Invalid(_) => {
                    drop(tx);
                    let page =
                        topics_page(state, user, form.name, Some(TOPIC_TAKEN.into())).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                other => Err(other),
            };
        }
    }
    tx.commit().await?;
    redirect_with_flash(state, user, "/admin/topics", "Topics saved.").await
}

async fn create_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TopicForm>,
) -> AppResult<Response> {
    save_topic(&state, &user, None, form).await
}

async fn update_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<TopicForm>,
) -> AppResult<Response> {
    save_topic(&state, &user, Some(id), form).await
}
