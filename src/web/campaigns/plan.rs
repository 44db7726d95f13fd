//! The plan's forms on the campaign page: status moves, messages and variants, costs, KPIs.
//! A failed form shows the campaign page again with its errors (422).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::show::{PageForms, show_page};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::campaigns::StatusRefusal;
use crate::db::messages::{Deleted, SPLIT_FIXED};
use crate::domain::{CampaignStatus, CostDraft, KpiDraft, MessageDraft, VariantDraft};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;
use crate::web::{Form, Path, redirect_with_flash};

async fn failed(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    forms: PageForms,
) -> AppResult<Response> {
    let page = show_page(state, user, id, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn one_error(field: &'static str, message: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.insert(field, message.into());
    e
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let to = CampaignStatus::parse(&form.status)
        .ok_or_else(|| AppError::field("status", "Choose a status."))?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let message = match db::campaigns::set_status_audited(&mut tx, &user.actor(), id, to).await? {
        Ok(frozen) if frozen > 0 => format!(
            "The campaign is active. Its audience is frozen: {frozen} member{}, each with a recorded message variant.",
            if frozen == 1 { "" } else { "s" }
        ),
        Ok(_) => format!("The campaign is {}.", to.label().to_lowercase()),
        Err(StatusRefusal::NotFound) => return Err(AppError::NotFound),
        Err(StatusRefusal::NotAllowed { from }) => format!(
            "A {} campaign cannot become {}.",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        ),
        Err(StatusRefusal::EmptyAudience) => {
            "The campaign has nobody to reach yet: choose a segment that matches people, or add members by hand, then launch it.".into()
        }
    };
    tx.commit().await?;
    redirect_with_flash(&state, &user, &format!("/campaigns/{id}"), &message).await
}

pub async fn add_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<MessageDraft>,
) -> AppResult<Response> {
    save_message(state, user, id, None, form).await
}

pub async fn update_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Form(form): Form<MessageDraft>,
) -> AppResult<Response> {
    save_message(state, user, id, Some(mid), form).await
}

async fn save_message(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    mid: Option<Uuid>,
    form: MessageDraft,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => {
            let forms = PageForms {
                message: form,
                failed: "message",
                errors,
                ..Default::default()
            };
            return failed(&state, &user, id, forms).await;
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::messages::save_message_audited(&mut tx, &user.actor(), id, mid, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/campaigns/{id}#messages"),
        "Key message saved.",
    )
    .await
}

pub async fn delete_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    delete(state, user, id, mid, None).await
}

pub async fn delete_variant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid, vid)): Path<(Uuid, Uuid, Uuid)>,
) -> AppResult<Response> {
    delete(state, user, id, mid, Some(vid)).await
}

async fn delete(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    mid: Uuid,
    vid: Option<Uuid>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let open = db::messages::split_open(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let what = if vid.is_some() { "Variant" } else { "Message" };
    let message = if !open {
        SPLIT_FIXED.to_string()
    } else {
        match db::messages::delete_audited(&mut tx, &user.actor(), id, mid, vid).await? {
            Deleted::Yes => format!("{what} deleted."),
            Deleted::NotFound => return Err(AppError::NotFound),
            Deleted::InUse => format!(
                "{what} kept: touch-points already name it, and the message test needs them."
            ),
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/campaigns/{id}#messages"),
        &message,
    )
    .await
}

pub async fn add_variant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Form(form): Form<VariantDraft>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let forms = |form: VariantDraft, errors: FieldErrors| PageForms {
        variant: form,
        variant_for: Some(mid),
        failed: "variant",
        errors,
        ..Default::default()
    };
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return failed(&state, &user, id, forms(form, errors)).await,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let open = db::messages::split_open(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !open {
        drop(tx);
        return failed(
            &state,
            &user,
            id,
            forms(form, one_error("label", SPLIT_FIXED)),
        )
        .await;
    }
    match db::messages::save_variant_audited(&mut tx, &user.actor(), id, mid, None, &input).await {
        Ok(saved) => {
            saved.ok_or(AppError::NotFound)?;
        }
        Err(e) => {
            return match on_constraints(e, db::messages::VARIANT_CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    failed(&state, &user, id, forms(form, errors)).await
                }
                other => Err(other),
            };
        }
    }
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/campaigns/{id}#messages"),
        "Variant added. When the campaign launches, members are split among the variants of each channel.",
    )
    .await
}

pub async fn add_cost(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<CostDraft>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let input = match form.validate(chrono::Utc::now().date_naive()) {
        Ok(i) => i,
        Err(errors) => {
            let forms = PageForms {
                cost: form,
                failed: "cost",
                errors,
                ..Default::default()
            };
            return failed(&state, &user, id, forms).await;
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::campaign_money::add_cost_audited(&mut tx, &user.actor(), id, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/campaigns/{id}#costs"),
        &format!("Cost of {} added.", input.amount),
    )
    .await
}

pub async fn delete_cost(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, cid)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    delete_line(&state, &user, id, Line::Cost(cid)).await
}

/// A line of the plan that is deleted outright.
enum Line {
    Cost(Uuid),
    Kpi(Uuid),
}

async fn delete_line(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    line: Line,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let (found, anchor, message) = match line {
        Line::Cost(cid) => (
            db::campaign_money::delete_cost_audited(&mut tx, &user.actor(), id, cid).await?,
            "costs",
            "Cost line deleted.",
        ),
        Line::Kpi(kid) => (
            db::campaign_money::delete_kpi_audited(&mut tx, &user.actor(), id, kid).await?,
            "kpis",
            "KPI deleted.",
        ),
    };
    if !found {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    redirect_with_flash(state, user, &format!("/campaigns/{id}#{anchor}"), message).await
}

#[derive(Deserialize, Default)]
pub struct KpiForm {
    #[serde(default)]
    label: String,
    measure: Option<String>,
    target: Option<String>,
    baseline: Option<String>,
    actual: Option<String>,
}

pub async fn add_kpi(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<KpiForm>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let s = |v: Option<String>| v.map(serde_json::Value::String);
    let draft = KpiDraft {
        label: form.label,
        measure: form.measure,
        target: s(form.target),
        baseline: s(form.baseline),
        actual: s(form.actual),
    };
    let input = match draft.validate() {
        Ok(i) => i,
        Err(errors) => {
            let forms = PageForms {
                kpi: draft,
                failed: "kpi",
                errors,
                ..Default::default()
            };
            return failed(&state, &user, id, forms).await;
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::campaign_money::add_kpi_audited(&mut tx, &user.actor(), id, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/campaigns/{id}#kpis"),
        "KPI added.",
    )
    .await
}

pub async fn delete_kpi(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, kid)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    delete_line(&state, &user, id, Line::Kpi(kid)).await
}
