//! The content calendar: a month view (an agenda on a phone) and a list, filtered by
//! campaign and channel; planners add, edit and delete items.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::pager::query_base;
use super::{Form, Layout, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::content::{ContentFilter, ContentRow, Refusal};
use crate::domain::{ContentChannel, ContentDraft, ContentStatus, month_grid};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar).post(create))
        .route("/calendar/new", get(new))
        .route("/calendar/{id}", get(edit).post(update))
        .route("/calendar/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
struct CalendarQuery {
    month: Option<String>,
    campaign: Option<String>,
    channel: Option<String>,
    view: Option<String>,
}

/// One day of the month grid.
struct Day {
    date: NaiveDate,
    in_month: bool,
    today: bool,
    items: Vec<ContentRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar/month.html")]
struct CalendarPage {
    layout: Layout,
    title: String,
    weeks: Vec<Vec<Day>>,
    items: Vec<ContentRow>,
    list: bool,
    prev: String,
    next: String,
    this_month: String,
    campaign: String,
    channel: String,
    campaigns: Vec<(Uuid, String)>,
    channels: &'static [ContentChannel],
    filtered: bool,
    can_plan: bool,
    today: NaiveDate,
    month_key: String,
}

impl CalendarPage {
    fn url(&self, month: &str, list: &bool) -> String {
        query_base(
            "/calendar",
            &[
                ("month", Some(month)),
                ("campaign", Some(self.campaign.as_str())),
                ("channel", Some(self.channel.as_str())),
                ("view", list.then_some("list")),
            ],
        )
    }
}

fn first_of(month: Option<&str>, today: NaiveDate) -> NaiveDate {
    month
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

async fn calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CalendarQuery>,
) -> AppResult<CalendarPage> {
    let today = Utc::now().date_naive();
    let first = first_of(q.month.as_deref(), today);
    let weeks = month_grid(first);
    let (from, to) = match (weeks.first(), weeks.last()) {
        (Some(f), Some(l)) => (f[0], l[6]),
        _ => (first, first),
    };
    let campaign = q.campaign.as_deref().and_then(|c| c.parse::<Uuid>().ok());
    let channel = q.channel.as_deref().and_then(ContentChannel::parse);
    let filter = ContentFilter {
        from: Some(from),
        to: Some(to),
        campaign_id: campaign,
        channel,
        status: None,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let items = db::content::list(&mut tx, &filter, 2000).await?;
    let campaigns = db::content::campaign_choices(&mut tx).await?;
    tx.commit().await?;
    let grid = weeks
        .iter()
        .map(|week| {
            week.iter()
                .map(|d| Day {
                    date: *d,
                    in_month: d.month() == first.month(),
                    today: *d == today,
                    items: items
                        .iter()
                        .filter(|i| i.publish_on == *d)
                        .cloned()
                        .collect(),
                })
                .collect()
        })
        .collect();
    let month_items = items
        .into_iter()
        .filter(|i| i.publish_on.month() == first.month() && i.publish_on.year() == first.year())
        .collect::<Vec<_>>();
    let key = |d: NaiveDate| d.format("%Y-%m").to_string();
    Ok(CalendarPage {
        layout: Layout::new(&user, "Content calendar", "calendar"),
        title: first.format("%B %Y").to_string(),
        weeks: grid,
        items: month_items,
        list: q.view.as_deref() == Some("list"),
        prev: key(first.checked_sub_months(Months::new(1)).unwrap_or(first)),
        next: key(first.checked_add_months(Months::new(1)).unwrap_or(first)),
        this_month: key(today),
        month_key: key(first),
        campaign: campaign.map(|c| c.to_string()).unwrap_or_default(),
        channel: channel.map(|c| c.as_str().to_string()).unwrap_or_default(),
        filtered: campaign.is_some() || channel.is_some(),
        campaigns,
        channels: ContentChannel::ALL,
        can_plan: user.role.can_plan_campaigns(),
        today,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<Uuid>,
    form: ContentDraft,
    errors: FieldErrors,
    campaigns: Vec<(Uuid, String)>,
    messages: Vec<(Uuid, Uuid, String)>,
    users: Vec<(Uuid, String)>,
    me: Uuid,
    channels: &'static [ContentChannel],
    statuses: &'static [ContentStatus],
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }

    fn is(&self, v: &Option<String>, key: &str) -> bool {
        v.as_deref() == Some(key)
    }

    fn is_id(&self, v: &Option<String>, id: &Uuid) -> bool {
        v.as_deref() == Some(id.to_string().as_str())
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: ContentDraft,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let campaigns = db::content::campaign_choices(&mut tx).await?;
    let messages = db::content::message_choices(&mut tx).await?;
    let users = db::assignments::users(&mut tx).await?;
    tx.commit().await?;
    Ok(FormPage {
        layout: Layout::new(
            user,
            if id.is_some() {
                "Content item"
            } else {
                "New content item"
            },
            "calendar",
        ),
        id,
        form,
        errors,
        campaigns,
        messages,
        users,
        me: user.user_id.0,
        channels: ContentChannel::ALL,
        statuses: ContentStatus::ALL,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    on: Option<String>,
    campaign: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<FormPage> {
    user.require_campaign_planner()?;
    let form = ContentDraft {
        publish_on: q.on.or_else(|| Some(Utc::now().date_naive().to_string())),
        campaign_id: q.campaign,
        channel: Some("email".into()),
        ..Default::default()
    };
    form_page(&state, &user, None, form, FieldErrors::new()).await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let i = db::content::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = ContentDraft {
        title: i.title,
        channel: Some(i.channel),
        publish_on: Some(i.publish_on.to_string()),
        campaign_id: i.campaign_id.map(|c| c.to_string()),
        message_id: i.message_id.map(|m| m.to_string()),
        owner_id: i.owner_id.map(|o| o.to_string()),
        status: Some(i.status),
        notes: i.notes,
    };
    form_page(&state, &user, Some(id), form, FieldErrors::new()).await
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: ContentDraft,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let invalid = |form: ContentDraft, errors: FieldErrors| async move {
        let page = form_page(state, user, id, form, errors).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return invalid(form, errors).await,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    match db::content::save_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(Ok(_)) => {}
        Ok(Err(Refusal::NotFound)) => return Err(AppError::NotFound),
        Ok(Err(Refusal::MessageElsewhere)) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            errors.insert(
                "message_id",
                "That message belongs to another campaign.".into(),
            );
            return invalid(form, errors).await;
        }
        Err(e) => {
            return match on_constraints(e, db::content::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    invalid(form, errors).await
                }
                other => Err(other),
            };
        }
    }
    tx.commit().await?;
    let month = input.publish_on.format("%Y-%m");
    redirect_with_flash(
        state,
        user,
        &format!("/calendar?month={month}"),
        &format!(
            "“{}” is on the calendar for {}.",
            input.title,
            input.publish_on.format("%b %-d")
        ),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ContentDraft>,
) -> AppResult<Response> {
    save(&state, &user, None, form).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ContentDraft>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), form).await
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::content::delete_audited(&mut tx, &user.actor(), id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    redirect_with_flash(&state, &user, "/calendar", "Content item deleted.").await
}
