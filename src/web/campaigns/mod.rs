//! Campaign pages: the list, the campaign form, the campaign page with its plan (messages
//! and variants, KPIs, costs, status) and results, and its members.

mod form;
mod list;
mod members;
mod plan;
mod show;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list::list).post(form::create))
        .route("/campaigns/new", get(form::new))
        .route("/campaigns/{id}", get(show::show).post(form::update))
        .route("/campaigns/{id}/edit", get(form::edit))
        .route("/campaigns/{id}/status", post(plan::status))
        .route("/campaigns/{id}/messages", post(plan::add_message))
        .route("/campaigns/{id}/messages/{mid}", post(plan::update_message))
        .route(
            "/campaigns/{id}/messages/{mid}/delete",
            post(plan::delete_message),
        )
        .route(
            "/campaigns/{id}/messages/{mid}/variants",
            post(plan::add_variant),
        )
        .route(
            "/campaigns/{id}/messages/{mid}/variants/{vid}/delete",
            post(plan::delete_variant),
        )
        .route("/campaigns/{id}/costs", post(plan::add_cost))
        .route(
            "/campaigns/{id}/costs/{cid}/delete",
            post(plan::delete_cost),
        )
        .route("/campaigns/{id}/kpis", post(plan::add_kpi))
        .route("/campaigns/{id}/kpis/{kid}/delete", post(plan::delete_kpi))
        .route(
            "/campaigns/{id}/members",
            get(members::list).post(members::add),
        )
        .route("/campaigns/{id}/members/remove", post(members::remove))
}
