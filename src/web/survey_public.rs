//! The private survey link, `/s/<token>`: no sign-in, one response, nothing of the
//! workspace beyond the survey itself. Unknown links are throttled per client address, so
//! links cannot be guessed by trying.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

use super::{Form, Path};
use crate::app::AppState;
use crate::auth::RequestMeta;
use crate::auth::secret::decompose;
use crate::db::audit::Actor;
use crate::db::surveys::{LinkTarget, QuestionRow};
use crate::db::{self, throttle};
use crate::domain::{LIKERT, RawAnswer, check_answers, response_outcome};
use crate::error::AppResult;
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/s/{token}", get(open).post(answer))
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys/public.html")]
struct PublicPage {
    asset_version: &'static str,
    title: String,
    intro: Option<String>,
    questions: Vec<QuestionRow>,
    /// What was chosen or typed, per question.
    values: Vec<(Uuid, String)>,
    errors: Vec<(Uuid, String)>,
    /// A message instead of the form: thanks, already answered, closed, not found.
    notice: Option<(&'static str, String)>,
    likert: [&'static str; 5],
}

impl PublicPage {
    fn value(&self, q: &Uuid) -> &str {
        self.values
            .iter()
            .find(|(id, _)| id == q)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    fn chosen(&self, q: &Uuid, point: &usize) -> bool {
        self.value(q) == point.to_string()
    }

    fn error(&self, q: &Uuid) -> Option<&String> {
        self.errors.iter().find(|(id, _)| id == q).map(|(_, e)| e)
    }

    fn points(&self) -> Vec<(usize, &'static str)> {
        self.likert
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, *l))
            .collect()
    }
}

fn notice(status: StatusCode, heading: &'static str, text: &str) -> Response {
    let page = PublicPage {
        asset_version: super::assets::VERSION,
        title: heading.into(),
        intro: None,
        questions: Vec::new(),
        values: Vec::new(),
        errors: Vec::new(),
        notice: Some((heading, text.into())),
        likert: LIKERT,
    };
    (
        status,
        [("cache-control", "no-store"), ("x-robots-tag", "noindex")],
        page,
    )
        .into_response()
}

fn not_found() -> Response {
    notice(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "Check that the whole link was copied. If it still does not open, ask the person who sent it for a new one.",
    )
}

/// Finds the link's recipient, or answers for it: not found (and counted against the
/// address), throttled, used, revoked, closed.
async fn target(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
) -> AppResult<Result<(crate::domain::TenantId, LinkTarget, Vec<QuestionRow>), Response>> {
    let key = meta.ip.map(|ip| format!("survey:{ip}"));
    if let Some(key) = &key {
        let mut conn = state.pools.app.acquire().await?;
        if throttle::locked_until(&mut conn, key).await?.is_some() {
            return Ok(Err(notice(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many tries",
                "Too many links that do not work came from your network. Wait a few minutes and try again.",
            )));
        }
    }
    let found = match decompose(token) {
        Some((tenant, secret)) => {
            let mut tx = tenant_tx(&state.pools.app, tenant).await?;
            let t = db::surveys::by_secret(&mut tx, secret).await?;
            let questions = match &t {
                Some(t) => db::surveys::questions(&mut tx, t.survey_id).await?,
                None => Vec::new(),
            };
            tx.commit().await?;
            t.map(|t| (tenant, t, questions))
        }
        None => None,
    };
    let Some((tenant, t, questions)) = found else {
        if let Some(key) = &key {
            let mut conn = state.pools.app.acquire().await?;
            throttle::record_failure(&mut conn, key, throttle::ADDRESS).await?;
        }
        return Ok(Err(not_found()));
    };
    if t.responded_at.is_some() {
        return Ok(Err(notice(
            StatusCode::GONE,
            "Thank you, your answers are in",
            "This link has been used, and each link takes one response.",
        )));
    }
    if t.revoked_at.is_some() {
        return Ok(Err(not_found()));
    }
    if t.status != "open" {
        return Ok(Err(notice(
            StatusCode::GONE,
            "This survey is closed",
            "It no longer takes answers. Thank you for your time.",
        )));
    }
    Ok(Ok((tenant, t, questions)))
}

fn form_page(
    t: &LinkTarget,
    questions: Vec<QuestionRow>,
    values: Vec<(Uuid, String)>,
    errors: Vec<(Uuid, String)>,
) -> PublicPage {
    PublicPage {
        asset_version: super::assets::VERSION,
        title: t.title.clone(),
        intro: t.intro.clone(),
        questions,
        values,
        errors,
        notice: None,
        likert: LIKERT,
    }
}

async fn open(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> AppResult<Response> {
    Ok(match target(&state, &meta, &token).await? {
        Err(page) => page,
        Ok((_, t, questions)) => (
            [
                ("cache-control", "no-store"),
                ("x-robots-tag", "noindex"),
                ("referrer-policy", "no-referrer"),
            ],
            form_page(&t, questions, Vec::new(), Vec::new()),
        )
            .into_response(),
    })
}

async fn answer(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (tenant, t, questions) = match target(&state, &meta, &token).await? {
        Err(page) => return Ok(page),
        Ok(found) => found,
    };
    let raw: Vec<RawAnswer> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("q_")
                .and_then(|id| id.parse::<Uuid>().ok())
                .map(|question_id| RawAnswer {
                    question_id,
                    value: v.clone(),
                })
        })
        .collect();
    let shape: Vec<_> = questions
        .iter()
        .map(|q| (q.id, q.kind(), q.required))
        .collect();
    let answers = match check_answers(&shape, &raw) {
        Ok(a) => a,
        Err(errors) => {
            let values = raw.into_iter().map(|r| (r.question_id, r.value)).collect();
            let page = form_page(&t, questions, values, errors);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                [("cache-control", "no-store")],
                page,
            )
                .into_response());
        }
    };
    let actor = Actor {
        tenant_id: tenant,
        user_id: None,
        ip: meta.ip,
        request_id: meta.request_id.clone(),
    };
    let mut tx = tenant_tx(&state.pools.app, tenant).await?;
    let recorded =
        db::surveys::respond_audited(&mut tx, &actor, &t, &answers, response_outcome(&answers))
            .await?;
    tx.commit().await?;
    if !recorded {
        return Ok(notice(
            StatusCode::GONE,
            "Thank you, your answers are in",
            "This link has been used, and each link takes one response.",
        ));
    }
    Ok(notice(
        StatusCode::OK,
        "Thank you",
        "Your answers are in. You can close this page.",
    ))
}
