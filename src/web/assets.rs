//! Static assets, compiled into the binary so it runs from any folder and offline.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;

/// Bumped with the crate version: asset URLs carry it, so a long cache is safe.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "/static/css/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/app.css"),
    ),
    (
        "/static/js/htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/htmx.min.js"),
    ),
    (
        "/static/js/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/app.js"),
    ),
    (
        "/static/favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for (path, _, _) in ASSETS {
        router = router.route(path, get(serve));
    }
    router.route(
        "/favicon.ico",
        get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }),
    )
}

async fn serve(uri: axum::http::Uri) -> Response {
    match ASSETS.iter().find(|(path, _, _)| *path == uri.path()) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=604800"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
