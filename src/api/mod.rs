//! The JSON API at `/api/v1`: bearer-token auth, RFC 9457 problems, and an OpenAPI 3.1
//! document generated from these handlers at `/api/v1/openapi.json`.

mod campaign_plan;
mod campaigns;
mod content;
mod export;
mod extract;
mod facilities;
mod feedback;
pub mod follow_ups;
mod imports;
mod organizations;
mod referrals;
mod relationships;
mod segments;
mod stakeholders;
mod surveys;
pub mod touchpoints;
mod users;

pub use extract::{Json, Path, Query};

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::app::AppState;
use crate::auth::ApiUser;
use crate::domain::{Role, TenantId, UserId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .merge(facilities::router())
        .merge(users::router())
        .merge(stakeholders::router())
        .merge(organizations::router())
        .merge(relationships::router())
        .merge(feedback::router())
        .merge(campaigns::router())
        .merge(campaign_plan::router())
        .merge(segments::router())
        .merge(content::router())
        .merge(surveys::router())
        .merge(touchpoints::router())
        .merge(follow_ups::router())
        .merge(imports::router())
        .merge(referrals::router())
        .merge(export::router())
        .fallback(|| async { crate::error::ApiError(crate::error::AppError::NotFound) })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Rapport API", description = "Relationship management for health systems. Authenticate with `Authorization: Bearer <token>`; create tokens under Account in the app or with `rapport token create`."),
    paths(me, facilities::list, facilities::create, facilities::show, facilities::update,
          users::list, users::create, users::show, users::update,
          stakeholders::list, stakeholders::create, stakeholders::show, stakeholders::replace,
          stakeholders::archive, stakeholders::restore,
          organizations::list, organizations::create, organizations::show, organizations::replace,
          organizations::archive, organizations::restore,
          relationships::list_affiliations, relationships::create_affiliation, relationships::show_affiliation,
          relationships::replace_affiliation, relationships::delete_affiliation,
          relationships::list_assignments, relationships::create_assignment, relationships::end_assignment,
          relationships::my_stakeholders, relationships::list_stages, relationships::move_stage,
          relationships::list_links, relationships::create_link, relationships::show_link,
          relationships::replace_link, relationships::delete_link, relationships::key_influencers,
          relationships::timeline, relationships::duplicates, relationships::merge,
          relationships::cadence, relationships::set_cadence, relationships::board,
          feedback::list, feedback::create, feedback::show, feedback::step, feedback::queue, feedback::topics,
          campaigns::list, campaigns::create, campaigns::show, campaigns::replace, campaigns::set_status,
          campaigns::results, campaigns::members, campaigns::add_members, campaigns::remove_members,
          campaign_plan::messages, campaign_plan::create_message, campaign_plan::replace_message,
          campaign_plan::delete_message, campaign_plan::create_variant, campaign_plan::replace_variant,
          campaign_plan::delete_variant, campaign_plan::costs, campaign_plan::create_cost,
          campaign_plan::delete_cost, campaign_plan::kpis, campaign_plan::create_kpi, campaign_plan::delete_kpi,
          segments::list, segments::create, segments::show, segments::replace, segments::remove,
          segments::preview, segments::preview_draft,
          content::list, content::create, content::show, content::replace, content::remove,
          surveys::list, surveys::create, surveys::show, surveys::replace, surveys::set_status, surveys::send,
          surveys::results, surveys::recipients, surveys::revoke, surveys::reissue,
          touchpoints::list, touchpoints::create, touchpoints::batch, touchpoints::show, touchpoints::update,
          touchpoints::delete, follow_ups::list, follow_ups::create, follow_ups::show, follow_ups::complete,
          follow_ups::cancel,
          imports::create, imports::list, imports::show, imports::errors, imports::changes, imports::cancel,
          referrals::top_referrers, referrals::leakage, referrals::declines, referrals::stakeholder,
          export::create),
    components(schemas(Me, crate::error::Problem, Role)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "account"), (name = "facilities"), (name = "users"), (name = "stakeholders"), (name = "organizations"),
          (name = "affiliations"), (name = "assignments"), (name = "stages"), (name = "influence"), (name = "feedback"),
          (name = "touchpoints"), (name = "follow-ups"), (name = "campaigns"), (name = "surveys"), (name = "imports"), (name = "export"),
          (name = "referrals"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

/// A list page with its total.
#[derive(Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    /// Matching rows, counted up to 10,000.
    pub total: i64,
    /// True when more than 10,000 rows match (then `total` is 10,000).
    pub total_capped: bool,
    pub page: i64,
    pub per_page: i64,
}

impl<T> From<crate::db::Page<T>> for ListOf<T> {
    fn from(page: crate::db::Page<T>) -> Self {
        Self {
            items: page.items,
            total: page.total,
            total_capped: page.total_capped,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// Common list parameters.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Text to search for.
    pub q: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 25).
    pub per_page: Option<i64>,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub workspace: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
async fn me(ApiUser(user): ApiUser) -> axum::Json<Me> {
    axum::Json(Me {
        user_id: user.user_id,
        tenant_id: user.tenant_id,
        workspace: user.tenant_name,
        email: user.email,
        name: user.name,
        role: user.role,
    })
}
