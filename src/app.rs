//! `AppState` and `build()`: the one place where routes and layers are assembled.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{SessionCookie, password::Hasher};
use crate::config::Config;
use crate::error::error_page;
use crate::postgres::Pools;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pools: Pools,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    /// Wakes this process's import workers when a job is queued.
    pub jobs: crate::jobs::Wakeup,
}

impl AppState {
    pub fn new(pools: Pools, config: Config) -> Self {
        Self {
            pools,
            config: Arc::new(config),
            hasher: Hasher::new(),
            jobs: crate::jobs::Wakeup::default(),
        }
    }

    pub fn cookie(&self) -> SessionCookie {
        SessionCookie {
            https: self.config.https(),
        }
    }
}

/// Largest request body accepted (forms and JSON).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// A request taking longer than this is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// File uploads (import jobs) may take this long: a 2 GB file over a slow line.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// The routes that take a whole file as their body.
fn is_upload(request: &Request) -> bool {
    request.method() == axum::http::Method::POST
        && matches!(request.uri().path(), "/admin/imports" | "/api/v1/imports")
}

/// Body size and time limits: small and short for forms and JSON, large and long for file
/// uploads. A body over the limit is refused before it is read when its length is declared,
/// and cut off where it passes the limit when it is not.
async fn limits(request: Request, next: Next) -> Response {
    let upload = is_upload(&request);
    let (limit, timeout) = if upload {
        (
            crate::domain::MAX_FILE_BYTES as usize + BODY_LIMIT,
            UPLOAD_TIMEOUT,
        )
    } else {
        (BODY_LIMIT, REQUEST_TIMEOUT)
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let message = if upload {
            format!(
                "Files up to {} GB can be uploaded. Import a larger file with the command line (rapport import), which reads it from disk.",
                crate::domain::MAX_FILE_BYTES >> 30
            )
        } else {
            "The request is larger than Rapport accepts.".to_string()
        };
        let error = crate::error::AppError::TooLarge(message);
        return if request.uri().path().starts_with("/api/") {
            crate::error::ApiError(error).into_response()
        } else {
            error.into_response()
        };
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "This took too long",
            "Rapport stopped waiting for this request. Try again in a moment.",
        ),
    }
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: pages, API, static assets, and the layers around them.
pub fn build(state: AppState) -> anyhow::Result<Router> {
    let mut csrf = CsrfLayer::new();
    if let Some(origin) = &state.config.public_url {
        csrf = csrf
            .add_trusted_origin(origin)
            .map_err(|e| anyhow::anyhow!("RAPPORT_PUBLIC_URL is not a valid origin: {e:?}"))?;
    }
    let router = Router::new()
        .merge(crate::web::router())
        .nest("/api/v1", crate::api::router())
        .fallback(crate::web::not_found)
        .with_state(state.clone());

    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(
            X_REQUEST_ID.clone(),
            MakeRequestUuid,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let matched = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str);
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!(
                    "request",
                    http.method = %request.method(),
                    http.route = matched.unwrap_or(""),
                    request.id = request_id,
                    tenant.id = tracing::field::Empty,
                    user.id = tracing::field::Empty,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                tracing::error!("a handler panicked");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The error has been logged. Try again in a moment.",
                )
            },
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(state, security_headers))
        .layer(middleware::from_fn(limits));
    Ok(router.layer(layers.layer(csrf.with_rejection_response(csrf_rejected))))
}

/// A request from another site that would change something: refused with our 403 page.
fn csrf_rejected(error: tower_http::csrf::ProtectionError) -> Response {
    tracing::warn!(reason = ?error, "cross-site request refused");
    error_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form was sent from another site, so Rapport did not act on it. Open Rapport directly and try again.",
    )
}

/// Security headers on every response: a strict CSP without inline script, no framing,
/// no sniffing, a tight referrer policy, HSTS under HTTPS, and no caching of pages.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    if !is_static {
        set(header::CACHE_CONTROL, "no-store");
    }
    if state.config.https() {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}
