//! The standalone UI: `index.html`, the host configuration as `config.js` (the page has no inline
//! script, so it also runs under a strict Content-Security-Policy), and the built assets.
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

/// The host configuration the page loads before the app: standalone mode, API on this origin.
pub const STANDALONE_CONFIG: &str = r#"window.__STRATUS_CONFIG__ = {"apiBase":"","mode":"standalone"};"#;

/// The UI's pages and assets. Assets are sent as the `.br` or `.gz` file xtask wrote beside each
/// when the browser accepts it; anything else is compressed on the way out.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/config.js", get(config))
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
    ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

/// `config.js`: sets `window.__STRATUS_CONFIG__` for the page.
async fn config() -> Response {
    let headers = [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-store")];
    (headers, STANDALONE_CONFIG).into_response()
}

async fn asset(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/api/") || path == "/api" {
        return ApiError::NotFound(format!("no API endpoint at {} {path}", request.method())).into_response();
    }
    let mut response = match web_dir(&state) {
        Some(dir) => {
            let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
            match files.oneshot(request).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            }
        }
        None => embedded_asset(&path, request.headers()),
    };
    if response.status().is_success() {
        let policy = if is_content_hashed(&path) { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static(policy));
    }
    response
}

/// An asset built into the binary, in the best encoding the request accepts.
fn embedded_asset(path: &str, headers: &header::HeaderMap) -> Response {
    let name = path.trim_start_matches('/');
    let Some(raw) = embedded(name) else {
        return ApiError::NotFound(format!("no page at {path}")).into_response();
    };
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let accepted = accepted_encodings(headers);
    let encoded = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(coding, _)| accepted.contains(coding))
        .find_map(|(coding, ext)| embedded(&format!("{name}{ext}")).map(|bytes| (coding, bytes)));
    let mut response = match encoded {
        Some((coding, bytes)) => ([(header::CONTENT_ENCODING, coding)], bytes).into_response(),
        None => raw.into_response(),
    };
    let headers = response.headers_mut();
    if let Ok(mime) = header::HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::VARY, header::HeaderValue::from_static("accept-encoding"));
    response
}

/// The content codings an `Accept-Encoding` header allows (those not given `q=0`).
fn accepted_encodings(headers: &header::HeaderMap) -> Vec<&str> {
    let value = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    value
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().filter(|c| !c.is_empty())?;
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            (!refused).then_some(coding)
        })
        .collect()
}

/// Whether a file name carries its content hash (`name.<16 hex>.ext`, as xtask writes them), so
/// that it may be cached for good.
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

const NOT_BUILT: &str = "<!doctype html><html><head><title>Stratus</title></head><body style=\"font-family:sans-serif\">\
<h1>Stratus API is running</h1><p>The web UI is not built. Run <code>cargo xtask build</code>, \
or start everything with <code>cargo xtask serve</code>.</p><p>API document: \
<a href=\"/api/openapi.json\">/api/openapi.json</a></p></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_and_accepted_encodings_are_read_right() {
        assert!(is_content_hashed("/stratus_frontend_bg.0123456789abcdef.wasm"));
        assert!(!is_content_hashed("/index.html"));
        assert!(!is_content_hashed("/style.css"));
        let mut headers = header::HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, header::HeaderValue::from_static("gzip, deflate, br;q=0, zstd"));
        assert_eq!(accepted_encodings(&headers), ["gzip", "deflate", "zstd"]);
        headers.insert(header::ACCEPT_ENCODING, header::HeaderValue::from_static("br;q=0.9, gzip"));
        assert_eq!(accepted_encodings(&headers), ["br", "gzip"]);
    }
}
