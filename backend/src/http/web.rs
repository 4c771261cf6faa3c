//! The standalone UI: `index.html` with the host configuration injected, and the built assets.
//!
//! The assets are embedded in the binary at build time (`build.rs`); `--web-dir` serves a
//! directory instead, for UI development. Paths under `/api/` never fall through to files: an
//! unknown API path is a JSON 404.

use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

use crate::http::error::ApiError;
use crate::state::AppState;

/// The comment in `frontend/index.html` that the server replaces with the host configuration.
pub const CONFIG_MARKER: &str = "<!--STRATUS_CONFIG-->";

/// The UI's pages and assets, gzip-compressed for browsers that accept it (the WASM shrinks to
/// about a quarter).
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .fallback(asset)
        .layer(tower_http::compression::CompressionLayer::new())
}

include!(concat!(env!("OUT_DIR"), "/embedded_web.rs"));

fn embedded(path: &str) -> Option<&'static [u8]> {
    EMBEDDED_WEB.iter().find(|(name, _)| *name == path).map(|(_, bytes)| *bytes)
}

fn web_dir(state: &AppState) -> Option<PathBuf> {
    state.config.web_dir.clone().filter(|dir| dir.join("index.html").is_file())
}

/// The host page: standalone mode, API on the same origin.
async fn index(State(state): State<AppState>) -> Response {
    let page = match web_dir(&state) {
        Some(dir) => match tokio::fs::read_to_string(dir.join("index.html")).await {
            Ok(page) => page,
            Err(err) => return ApiError::Internal(format!("reading index.html: {err}")).into_response(),
        },
        None => match embedded("index.html") {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            None => return (StatusCode::OK, Html(NOT_BUILT)).into_response(),
        },
    };
    let config = r#"<script>window.__STRATUS_CONFIG__ = {"apiBase":"","mode":"standalone"};</script>"#;
    ([(header::CACHE_CONTROL, "no-store")], Html(page.replace(CONFIG_MARKER, config))).into_response()
}

async fn asset(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") || path == "/api" {
        return ApiError::NotFound(format!("no API endpoint at {} {path}", request.method())).into_response();
    }
    if let Some(dir) = web_dir(&state) {
        return match ServeDir::new(dir).oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        };
    }
    match embedded(path.trim_start_matches('/')) {
        Some(bytes) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            ([(header::CONTENT_TYPE, mime.as_ref().to_owned())], bytes).into_response()
        }
        None => ApiError::NotFound(format!("no page at {path}")).into_response(),
    }
}

const NOT_BUILT: &str = "<!doctype html><html><head><title>Stratus</title></head><body style=\"font-family:sans-serif\">\
<h1>Stratus API is running</h1><p>The web UI is not built. Run <code>cargo xtask build</code>, \
or start everything with <code>cargo xtask serve</code>.</p><p>API document: \
<a href=\"/api/openapi.json\">/api/openapi.json</a></p></body></html>";
