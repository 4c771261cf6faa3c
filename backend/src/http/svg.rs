//! SVG answers, shared by the features that draw charts on the server.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// An `image/svg+xml` answer the browser may cache for a minute.
pub(crate) fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=60")], body).into_response()
}
