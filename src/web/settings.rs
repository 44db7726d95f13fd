//! `/settings` (admins): workspace settings; for now small-cell suppression of referral
//! counts. Every change is audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{Form, Layout, checkbox, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{self, settings::WorkspaceSettings};
use crate::error::AppResult;
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(show).post(save))
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    settings: WorkspaceSettings,
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<SettingsPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let settings = db::settings::get(&mut tx, user.tenant_id).await?;
    tx.commit().await?;
    Ok(SettingsPage {
        layout: Layout::new(&user, "Settings", "settings"),
        settings,
    })
}

#[derive(Deserialize, Default)]
struct SettingsForm {
    small_cell_suppression: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let on = checkbox(&form.small_cell_suppression);
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let changed =
        db::settings::set_small_cell_suppression_audited(&mut tx, &user.actor(), on).await?;
    tx.commit().await?;
    let message = match (changed, on) {
        (false, _) => "Nothing changed.",
        (true, true) => "Small-cell suppression is on: referral counts of 1 to 10 now show as <11.",
        (true, false) => "Small-cell suppression is off: referral counts show exactly.",
    };
    redirect_with_flash(&state, &user, "/settings", message).await
}
