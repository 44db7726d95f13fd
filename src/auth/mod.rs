//! Authentication and authorization: passwords, sessions (cookie + table), API tokens, and the
//! extractors handlers use to get the signed-in user (`CurrentUser`, `ApiUser`).

pub mod login;
pub mod password;
pub mod secret;
mod session;
mod token;

pub use session::{SessionCookie, end_session, set_flash};
pub use token::{ApiUser, create_token};

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::db::audit::Actor;
use crate::domain::{Role, TenantId, UserId};
use crate::error::{AppError, AppResult};

/// Where a request came from: the peer address (no forwarded header is trusted), the
/// request id the request-id layer assigned, and the user agent.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(400).collect::<String>())
        };
        Self {
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
            request_id: header("x-request-id"),
            user_agent: header("user-agent"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

/// The signed-in user of this request, by session cookie (pages) or API token (`ApiUser`).
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Hash of the session secret; `None` for API tokens.
    pub session: Option<Vec<u8>>,
    /// A one-time message left by the previous request (pages only).
    pub flash: Option<String>,
    pub meta: RequestMeta,
}

impl CurrentUser {
    /// The audit actor for writes made by this user.
    pub fn actor(&self) -> Actor {
        Actor {
            tenant_id: self.tenant_id,
            user_id: Some(self.user_id),
            ip: self.meta.ip,
            request_id: self.meta.request_id.clone(),
        }
    }

    /// Fails with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        self.require(&[Role::Admin])
    }

    /// Fails with 403 for read-only roles (executives).
    pub fn require_book_editor(&self) -> AppResult<()> {
        if self.role.can_edit_book() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Fails with 403 unless the user plans campaigns (admins and marketers).
    pub fn require_campaign_planner(&self) -> AppResult<()> {
        if self.role.can_plan_campaigns() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    fn record_in_span(&self) {
        let span = tracing::Span::current();
        span.record("tenant.id", tracing::field::display(self.tenant_id));
        span.record("user.id", tracing::field::display(self.user_id));
    }
}
