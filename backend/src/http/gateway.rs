//! The gateway: any method on `/api/org/{org}/{route}` and below runs the function on that
//! route with the request.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use api_types::InvocationAccepted;
use axum::Json;
use axum::body::Body;
use axum::extract::{RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, INVOCATION_HEADER};
use crate::http::extract::OrgScope;
use crate::metrics::RequestStarted;
use crate::state::AppState;
use stratus_core::functions::{CallOutcome, CallTimings, GatewayRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(gateway)).route("/api/org/{org}/{route}/{*rest}", any(gateway))
}

/// The header a function key comes in (as in Azure Functions); `?code=` also works.
const KEY_HEADER: &str = "x-functions-key";

/// The function key a request presents: the header, else the `code` query parameter.
fn function_key(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(key) = headers.get(KEY_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_owned());
    }
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "code").map(|(_, v)| v.into_owned())
}

/// The query string without `code` (a key is not the function's business, nor its logs').
fn query_without_code(query: &str) -> String {
    if !query.split('&').any(|pair| pair == "code" || pair.starts_with("code=")) {
        return query.to_owned();
    }
    query
        .split('&')
        .filter(|pair| !(pair.is_empty() || *pair == "code" || pair.starts_with("code=")))
        .collect::<Vec<_>>()
        .join("&")
}

/// Request headers a function never sees: the caller's credentials for Stratus or vCD.
const CREDENTIAL_HEADERS: [&str; 4] =
    ["authorization", "x-vcloud-authorization", api_types::VCD_TOKEN_HEADER, KEY_HEADER];

/// Response headers the gateway never copies from a function.
const HOP_BY_HOP: [&str; 7] =
    ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "content-length"];

/// Runs the function on `{route}` (and, with any sub-path, `/{route}/…`). Status, headers and
/// body come from the handler; every answer carries `x-stratus-invocation-id`. With
/// `Prefer: respond-async` the call is queued: `202` and the invocation to poll. Callers need
/// the org's credentials, unless the function is `public`, or takes `keys` and the request has
/// one (`x-functions-key: <key>` or `?code=<key>`). A function's answer to a caller with the
/// org's credentials also says where its time went: `Server-Timing` with `auth`, `route`,
/// `queue`, `pipe`, `js` and `total` in milliseconds, after any the function sent itself.
#[utoipa::path(method(get, post, put, patch, delete, head, options), path = "/api/org/{org}/{route}", tag = "functions",
    params(("org" = String, Path), ("route" = String, Path, description = "the function's route")),
    responses(
        (status = 200, description = "whatever the function answers"),
        (status = 202, body = InvocationAccepted, description = "with Prefer: respond-async"),
        (status = 404, body = api_types::ErrorBody), (status = 413, body = api_types::ErrorBody),
        (status = 429, body = api_types::ErrorBody), (status = 500, body = api_types::ErrorBody),
        (status = 502, body = api_types::ErrorBody), (status = 503, body = api_types::ErrorBody),
        (status = 504, body = api_types::ErrorBody)))]
async fn gateway(
    State(state): State<AppState>,
    scope: Result<OrgScope, ApiError>,
    params: RawPathParams,
    request: Request,
) -> ApiResult<Response> {
    let (Parts { method, uri, headers, extensions, .. }, body) = request.into_parts();
    // Only the org's own callers see where the time went: to a caller with a key or none
    // (public), `queue` would tell how busy the shared workers are and `auth` how the
    // authenticator answers.
    let credentialed = scope.is_ok();
    let params: HashMap<&str, &str> = params.iter().collect();
    let route = params.get("route").copied().unwrap_or_default().to_owned();
    let rest = params.get("rest").map(|r| format!("/{r}")).unwrap_or_else(|| "/".into());
    let key = function_key(&headers, &uri);
    let (org, limits) = match scope {
        Ok(scope) => (scope.org, scope.limits),
        // Without the org's credentials: a public function, or a key of the function's. When
        // neither, the original refusal stands (the same for a missing org or function).
        Err(refused) => {
            let org = params.get("org").copied().unwrap_or_default().to_owned();
            let functions = &state.functions;
            let Some(limits) = functions.existing_org_limits(&org).await? else { return Err(refused) };
            if !functions.admits_without_credentials(&org, &route, key.as_deref(), &limits).await? {
                return Err(refused);
            }
            (org, limits)
        }
    };
    let authenticated = Instant::now();
    let started = extensions.get::<RequestStarted>().map_or(authenticated, |mark| mark.0);
    let body = axum::body::to_bytes(body, limits.max_request_bytes as usize).await.map_err(|_| {
        ApiError::PayloadTooLarge(format!(
            "the request body is over this org's limit of {} bytes",
            limits.max_request_bytes
        ))
    })?;
    let respond_async = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("respond-async")));
    let request = GatewayRequest {
        method: method.to_string(),
        path: rest,
        query: query_without_code(uri.query().unwrap_or_default()),
        headers: headers
            .iter()
            .filter(|(name, _)| !CREDENTIAL_HEADERS.contains(&name.as_str()))
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: body.to_vec(),
    };
    if respond_async {
        let accepted = state.jobs.accept(&org, limits, &route, request).await?;
        let location = HeaderValue::from_str(&accepted.location).ok();
        let mut response = (StatusCode::ACCEPTED, Json(&accepted)).into_response();
        if let Some(location) = location {
            response.headers_mut().insert(header::LOCATION, location);
        }
        if let Ok(id) = HeaderValue::from_str(&accepted.id) {
            response.headers_mut().insert(INVOCATION_HEADER, id);
        }
        return Ok(response);
    }
    let outcome = state.functions.call(&org, limits, &route, request).await?;
    let timing = credentialed.then(|| Timing { auth: authenticated - started, started });
    Ok(function_response(outcome, timing))
}

/// The `Server-Timing` value of a call, in milliseconds: the caller's authentication, finding
/// the function (`route`), waiting for a worker (`queue`), the hop to the worker and back
/// (`pipe`; on a cold start it also holds loading the function), the function's run (`js`) and
/// the whole request up to its response.
fn server_timing(auth: Duration, timings: &CallTimings, total: Duration) -> String {
    let stages = [
        ("auth", auth),
        ("route", timings.lookup),
        ("queue", timings.queue),
        ("pipe", timings.pipe),
        ("js", timings.engine),
        ("total", total),
    ];
    let mut value = String::with_capacity(96);
    for (i, (name, took)) in stages.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let micros = took.as_micros();
        let _ = write!(value, "{separator}{name};dur={}.{:03}", micros / 1000, micros % 1000);
    }
    value
}

/// What the gateway measured itself: the caller's authentication, and when the request reached
/// its route.
struct Timing {
    auth: Duration,
    started: Instant,
}

fn function_response(outcome: CallOutcome, timing: Option<Timing>) -> Response {
    let CallOutcome { invocation_id, response, duration, cold_start, timings } = outcome;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut out = Response::new(Body::from(response.body));
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(&value)) else {
            continue;
        };
        if !HOP_BY_HOP.contains(&name.as_str()) {
            headers.append(name, value);
        }
    }
    if let Ok(id) = HeaderValue::from_str(&invocation_id) {
        headers.insert(INVOCATION_HEADER, id.clone());
        headers.insert("x-call-id", id);
    }
    // Integer formatting: exact float formatting showed up in profiles of the call path.
    let micros = duration.as_micros();
    if let Ok(seconds) = HeaderValue::from_str(&format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)) {
        headers.insert("x-duration-seconds", seconds);
    }
    headers.insert("x-stratus-cold-start", HeaderValue::from_static(if cold_start { "true" } else { "false" }));
    if let Some(Timing { auth, started }) = timing
        && let Ok(value) = HeaderValue::from_str(&server_timing(auth, &timings, started.elapsed()))
    {
        headers.append("server-timing", value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timing_names_each_stage_in_milliseconds() {
        let us = Duration::from_micros;
        let timings = CallTimings { lookup: us(3), queue: us(0), pipe: us(41), engine: us(1_250) };
        assert_eq!(
            server_timing(us(12), &timings, us(1_400)),
            "auth;dur=0.012, route;dur=0.003, queue;dur=0.000, pipe;dur=0.041, js;dur=1.250, total;dur=1.400"
        );
    }

    #[test]
    fn durations_are_written_with_microseconds() {
        let outcome = CallOutcome {
            invocation_id: "inv_1".into(),
            response: sandbox::HttpResponse { status: 200, headers: Vec::new(), body: Vec::new() },
            duration: Duration::from_micros(2_000_345),
            cold_start: false,
            timings: CallTimings::default(),
        };
        let response = function_response(outcome, None);
        assert_eq!(response.headers()["x-duration-seconds"], "2.000345");
        assert!(response.headers().get("server-timing").is_none(), "not for callers without the org's credentials");
    }

    #[test]
    fn code_is_taken_out_of_the_query() {
        assert_eq!(query_without_code("a=1&code=k&b=2"), "a=1&b=2");
        assert_eq!(query_without_code("a=1"), "a=1");
    }
}
