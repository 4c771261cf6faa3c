//! CORS for a UI served from another origin (the vCD portal hosting the Stratus plugin).
//!
//! Only origins listed in `Config::cors_origins` get CORS headers; `*` allows any origin. Tokens
//! travel in headers, never cookies, so credentials mode stays off.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::http::error::INVOCATION_HEADER;

/// The request headers a cross-origin caller may send.
const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "x-vcloud-authorization",
    api_types::VCD_TOKEN_HEADER,
    "x-vmware-vcloud-tenant-context",
    "content-type",
];

/// The layer for `origins`, or `None` when none are configured (then no CORS headers at all).
pub(crate) fn layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<&str> = origins.iter().map(|o| o.trim().trim_end_matches('/')).filter(|o| !o.is_empty()).collect();
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.contains(&"*") {
        AllowOrigin::any()
    } else {
        let values = origins.iter().filter_map(|origin| match HeaderValue::from_str(origin) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(origin, "ignoring a CORS origin that is not a valid header value");
                None
            }
        });
        AllowOrigin::list(values)
    };
    let layer = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers([HeaderName::from_static(INVOCATION_HEADER), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    Some(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_origins_means_no_layer() {
        assert!(layer(&[]).is_none());
        assert!(layer(&[" ".into()]).is_none());
        assert!(layer(&["https://vcd.example.com/".into()]).is_some());
        assert!(layer(&["*".into()]).is_some());
    }
}
