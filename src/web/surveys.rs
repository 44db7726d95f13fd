//! Pulse surveys for the team: the list, the builder, sending private links to a segment
//! or a campaign's audience (shown once), results with distributions and response rate,
//! and revoking or re-issuing one person's link. The public answering page is
//! `survey_public`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Layout, Pager, Pairs, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::surveys::{NewLink, QuestionResult, RecipientRow, SurveyRow};
use crate::db::{self, PageRequest};
use crate::domain::{
    LIKERT, MAX_QUESTIONS, QuestionDraft, QuestionKind, SurveyDraft, SurveyStatus,
};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/new", get(new))
        .route("/surveys/{id}", get(show).post(update))
        .route("/surveys/{id}/edit", get(edit))
        .route("/surveys/{id}/status", post(status))
        .route("/surveys/{id}/send", get(send_page).post(send))
        .route("/surveys/{id}/recipients/{rid}/revoke", post(revoke))
        .route("/surveys/{id}/recipients/{rid}/reissue", post(reissue))
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<SurveyRow>,
    can_plan: bool,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<ListPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::surveys::list(&mut tx, None).await?;
    tx.commit().await?;
    Ok(ListPage {
        layout: Layout::new(&user, "Surveys", "surveys"),
        rows,
        can_plan: user.role.can_plan_campaigns(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<Uuid>,
    form: SurveyDraft,
    errors: FieldErrors,
    campaigns: Vec<(Uuid, String)>,
    kinds: &'static [QuestionKind],
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn is_campaign(&self, id: &Uuid) -> bool {
        self.form.campaign_id.as_deref() == Some(id.to_string().as_str())
    }

    /// The question rows: what was typed, then blank rows up to six (or one more).
    fn rows(&self) -> Vec<(usize, QuestionDraft)> {
        let mut rows: Vec<QuestionDraft> = self.form.questions.clone();
        let want = (rows.len() + 1).clamp(6, MAX_QUESTIONS);
        while rows.len() < want {
            rows.push(QuestionDraft::default());
        }
        rows.into_iter().enumerate().collect()
    }
}

fn draft_of(p: &Pairs) -> SurveyDraft {
    let questions = (0..MAX_QUESTIONS + 2)
        .map(|i| QuestionDraft {
            kind: p.one(&format!("q{i}_kind")),
            prompt: p.text(&format!("q{i}_prompt")),
            required: Some(!super::checkbox(&p.one(&format!("q{i}_optional")))),
        })
        .collect();
    SurveyDraft {
        title: p.text("title"),
        intro: p.one("intro"),
        campaign_id: p.one("campaign_id"),
        questions,
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    mut form: SurveyDraft,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let campaigns = db::content::campaign_choices(&mut tx).await?;
    tx.commit().await?;
    form.questions.retain(|q| !q.prompt.trim().is_empty());
    Ok(FormPage {
        layout: Layout::new(
            user,
            if id.is_some() {
                "Edit survey"
            } else {
                "New survey"
            },
            "surveys",
        ),
        id,
        form,
        errors,
        campaigns,
        kinds: QuestionKind::ALL,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    campaign: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<FormPage> {
    user.require_campaign_planner()?;
    let form = SurveyDraft {
        campaign_id: q.campaign,
        questions: vec![
            QuestionDraft {
                kind: Some("likert".into()),
                prompt: "I understand the message.".into(),
                required: Some(true),
            },
            QuestionDraft {
                kind: Some("text".into()),
                prompt: "How do you feel about it?".into(),
                required: Some(false),
            },
        ],
        ..Default::default()
    };
    form_page(&state, &user, None, form, FieldErrors::new()).await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = db::surveys::questions(&mut tx, id).await?;
    tx.commit().await?;
    if s.status() != SurveyStatus::Draft {
        return redirect_with_flash(
            &state,
            &user,
            &format!("/surveys/{id}"),
            db::surveys::QUESTIONS_FIXED,
        )
        .await;
    }
    let form = SurveyDraft {
        title: s.title,
        intro: s.intro,
        campaign_id: s.campaign_id.map(|c| c.to_string()),
        questions: questions
            .into_iter()
            .map(|q| QuestionDraft {
                kind: Some(q.kind),
                prompt: q.prompt,
                required: Some(q.required),
            })
            .collect(),
    };
    Ok(form_page(&state, &user, Some(id), form, FieldErrors::new())
        .await?
        .into_response())
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    pairs: Vec<(String, String)>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let draft = draft_of(&Pairs(pairs));
    let invalid = |draft: SurveyDraft, errors: FieldErrors| async move {
        let page = form_page(state, user, id, draft, errors).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let input = match draft.validate() {
        Ok(i) => i,
        Err(errors) => return invalid(draft, errors).await,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::surveys::save_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(Ok(Some(saved))) => saved,
        Ok(Ok(None)) => return Err(AppError::NotFound),
        Ok(Err(fixed)) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            errors.insert("questions", fixed.into());
            return invalid(draft, errors).await;
        }
        Err(e) => {
            return match on_constraints(e, db::surveys::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    invalid(draft, errors).await
                }
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        state,
        user,
        &format!("/surveys/{saved}"),
        "Survey saved. Send it to a segment or a campaign's audience when it is ready.",
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, None, pairs).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), pairs).await
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/show.html")]
struct ShowPage {
    layout: Layout,
    s: SurveyRow,
    results: Vec<QuestionResult>,
    recipients: Vec<RecipientRow>,
    pager: Pager,
    can_plan: bool,
    likert: [&'static str; 5],
}

impl ShowPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "—".into())
    }

    fn mean(&self, v: &Option<f64>) -> String {
        v.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into())
    }

    fn label(&self, point: &usize) -> &'static str {
        self.likert
            .get(point.saturating_sub(1))
            .copied()
            .unwrap_or("")
    }
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    page: Option<i64>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> AppResult<ShowPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let results = db::surveys::results(&mut tx, id).await?;
    let page = db::surveys::recipients(&mut tx, id, PageRequest::new(q.page, Some(50))).await?;
    tx.commit().await?;
    Ok(ShowPage {
        layout: Layout::new(&user, s.title.clone(), "surveys"),
        pager: Pager::new(&page, &format!("/surveys/{id}")),
        recipients: page.items,
        s,
        results,
        can_plan: user.role.can_plan_campaigns(),
        likert: LIKERT,
    })
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let to = SurveyStatus::parse(&form.status)
        .filter(|s| *s != SurveyStatus::Draft)
        .ok_or_else(|| AppError::field("status", "Choose open or closed."))?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::surveys::set_status_audited(&mut tx, &user.actor(), id, to)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let message = match to {
        SurveyStatus::Closed => "Survey closed: its links no longer take answers.",
        _ => "Survey open: its links take answers.",
    };
    redirect_with_flash(&state, &user, &format!("/surveys/{id}"), message).await
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/send.html")]
struct SendPage {
    layout: Layout,
    s: SurveyRow,
    segments: Vec<(Uuid, String)>,
    campaigns: Vec<(Uuid, String)>,
    error: Option<String>,
}

async fn send_form(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    error: Option<String>,
) -> AppResult<SendPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let segments = db::segments::list(&mut tx)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let campaigns = db::content::campaign_choices(&mut tx).await?;
    tx.commit().await?;
    Ok(SendPage {
        layout: Layout::new(user, format!("Send {}", s.title), "surveys"),
        s,
        segments,
        campaigns,
        error,
    })
}

async fn send_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<SendPage> {
    user.require_campaign_planner()?;
    send_form(&state, &user, id, None).await
}

/// The links just made, shown once.
#[derive(Template, WebTemplate)]
#[template(path = "surveys/links.html")]
struct LinksPage {
    layout: Layout,
    s: SurveyRow,
    links: Vec<NewLink>,
    base: String,
    skipped: i64,
    csv: String,
}

fn links_csv(base: &str, links: &[NewLink]) -> String {
    let mut out = String::from("name,email,link\n");
    let cell = |s: &str| {
        let s = s.trim_start_matches(['=', '+', '-', '@']);
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    for l in links {
        out.push_str(&format!(
            "{},{},{}\n",
            cell(&l.name),
            cell(l.email.as_deref().unwrap_or_default()),
            cell(&format!("{base}{}", l.path))
        ));
    }
    out
}

#[derive(Deserialize, Default)]
struct SendForm {
    to: Option<String>,
    segment_id: Option<String>,
    campaign_id: Option<String>,
}

/// The most links one send makes.
const SEND_LIMIT: i64 = 20_000;

async fn send(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<SendForm>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parse = |v: &Option<String>| v.as_deref().and_then(|x| x.parse::<Uuid>().ok());
    let people = match form.to.as_deref() {
        Some("campaign") => match parse(&form.campaign_id) {
            Some(cid) => match db::campaigns::find(&mut tx, cid).await? {
                Some(c) => {
                    let (audience, _) = db::campaign_members::audience_for(&mut tx, &c).await?;
                    Some(db::campaign_members::audience_ids(&mut tx, &audience, SEND_LIMIT).await?)
                }
                None => None,
            },
            None => None,
        },
        _ => match parse(&form.segment_id) {
            Some(sid) => match db::segments::find(&mut tx, sid).await? {
                Some(g) => {
                    Some(db::segments::member_ids(&mut tx, &g.definition.0, SEND_LIMIT).await?)
                }
                None => None,
            },
            None => None,
        },
    };
    let error = if s.status() == SurveyStatus::Closed {
        Some("The survey is closed. Open it again before sending more links.".to_string())
    } else if people.is_none() {
        Some("Choose a segment or a campaign.".to_string())
    } else {
        None
    };
    if let Some(error) = error {
        drop(tx);
        let page = send_form(&state, &user, id, Some(error)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let people = people.unwrap_or_default();
    let (links, skipped) = db::surveys::send_audited(&mut tx, &user.actor(), id, &people).await?;
    tx.commit().await?;
    let base = super::link_origin(&state, &headers);
    let csv = links_csv(&base, &links);
    let mut s = s;
    s.status = "open".into();
    let page = LinksPage {
        layout: Layout::new(&user, format!("Links for {}", s.title), "surveys"),
        s,
        links,
        base,
        skipped,
        csv,
    };
    // The links exist only in this response.
    Ok(([("cache-control", "no-store")], page).into_response())
}

async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rid)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let done = db::surveys::revoke_audited(&mut tx, &user.actor(), id, rid).await?;
    tx.commit().await?;
    let message = if done {
        "Link revoked: it no longer opens the survey."
    } else {
        "Nothing to revoke: the link was already revoked or used."
    };
    redirect_with_flash(&state, &user, &format!("/surveys/{id}"), message).await
}

async fn reissue(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((id, rid)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(link) = db::surveys::reissue_audited(&mut tx, &user.actor(), id, rid).await? else {
        return Err(AppError::NotFound);
    };
    tx.commit().await?;
    let base = super::link_origin(&state, &headers);
    let links = vec![link];
    let csv = links_csv(&base, &links);
    let page = LinksPage {
        layout: Layout::new(&user, format!("New link for {}", s.title), "surveys"),
        s,
        links,
        base,
        skipped: 0,
        csv,
    };
    Ok(([("cache-control", "no-store")], page).into_response())
}
