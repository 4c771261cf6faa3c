//! HTTP external endpoints (`/cloudapi/1.0.0/externalEndpoints`) and API filters
//! (`/cloudapi/1.0.0/apiFilters`), provider only. An endpoint's id is
//! `urn:vcloud:extensionEndpoint:<vendor>:<name>:<version>`, its `rootUrl` must be HTTPS, and it
//! must be disabled, and have no API filters left, before it can be deleted. Its `rootUrl`'s
//! certificate must be trusted (see `certificates`) when it is registered or moved.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::extensions::{ApiFilter, Endpoint};
use crate::reply::{forbidden_json, json_error};
use crate::sessions::Authed;
use crate::state::{SimState, new_uuid};

/// Scopes an external endpoint's filter may use (`API` is for external services).
const ENDPOINT_SCOPES: [&str; 3] = ["EXT_API", "EXT_UI_PROVIDER", "EXT_UI_TENANT"];

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/cloudapi/1.0.0/externalEndpoints", get(list_endpoints).post(create_endpoint))
        .route(
            "/cloudapi/1.0.0/externalEndpoints/{id}",
            get(read_endpoint).put(update_endpoint).delete(delete_endpoint),
        )
        .route("/cloudapi/1.0.0/apiFilters", get(list_filters).post(create_filter))
        .route("/cloudapi/1.0.0/apiFilters/{id}", get(read_filter).put(update_filter).delete(delete_filter))
}

pub(super) fn bad_request(message: &str) -> Response {
    json_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

fn not_found(what: &str, id: &str) -> Response {
    json_error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{what} {id} not found"))
}

fn endpoint_json(e: &Endpoint) -> Value {
    json!({
        "id": e.id, "name": e.name, "vendor": e.vendor, "version": e.version, "enabled": e.enabled,
        "description": e.description, "rootUrl": e.root_url,
    })
}

fn filter_json(f: &ApiFilter) -> Value {
    json!({
        "id": f.id,
        "externalSystem": {"name": f.external_system_name, "id": f.external_system_id},
        "urlMatcher": {"urlPattern": f.url_pattern, "urlScope": f.url_scope},
    })
}

/// One page of a cloudapi list (`page`, `pageSize` from the query string).
pub(super) fn page(values: Vec<Value>, params: &HashMap<String, String>) -> Response {
    let number = |key: &str, default: usize| params.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let page_size = number("pageSize", 25).clamp(1, 128);
    let page = number("page", 1).max(1);
    let total = values.len();
    let page_count = total.div_ceil(page_size).max(1);
    let values: Vec<Value> = values.into_iter().skip((page - 1) * page_size).take(page_size).collect();
    Json(json!({"resultTotal": total, "pageCount": page_count, "page": page, "pageSize": page_size, "associations": null, "values": values}))
        .into_response()
}

pub(super) fn text(body: &Value, key: &str) -> String {
    body.get(key).and_then(Value::as_str).unwrap_or_default().trim().to_owned()
}

/// Validates an endpoint body; `Err` is the message of the 400 to answer.
fn endpoint_from(body: &Value) -> Result<Endpoint, String> {
    let (name, vendor, version, root_url) =
        (text(body, "name"), text(body, "vendor"), text(body, "version"), text(body, "rootUrl"));
    if name.is_empty() || vendor.is_empty() || version.is_empty() {
        return Err("name, vendor and version are required".into());
    }
    if !root_url.starts_with("https://") || root_url.len() <= "https://".len() {
        return Err("rootUrl must be an https:// URL".into());
    }
    Ok(Endpoint {
        id: format!("urn:vcloud:extensionEndpoint:{vendor}:{name}:{version}"),
        enabled: body.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        description: body.get("description").and_then(Value::as_str).map(str::to_owned),
        name,
        vendor,
        version,
        root_url,
    })
}

async fn list_endpoints(
    State(state): State<SimState>,
    Authed(session): Authed,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let values = state.world().extensions.endpoints.iter().map(endpoint_json).collect();
    page(values, &params)
}

async fn create_endpoint(State(state): State<SimState>, Authed(session): Authed, Json(body): Json<Value>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let endpoint = match endpoint_from(&body) {
        Ok(endpoint) => endpoint,
        Err(message) => return bad_request(&message),
    };
    if let Err(message) = super::certificates::check_trusted(&state, &endpoint.root_url).await {
        return bad_request(&message);
    }
    let mut world = state.world();
    if world.extensions.endpoints.iter().any(|e| e.id == endpoint.id) {
        return json_error(StatusCode::BAD_REQUEST, "DUPLICATE_NAME", &format!("{} already exists", endpoint.id));
    }
    let body = endpoint_json(&endpoint);
    world.extensions.endpoints.push(endpoint);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn read_endpoint(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let world = state.world();
    match world.extensions.endpoints.iter().find(|e| e.id == id) {
        Some(endpoint) => Json(endpoint_json(endpoint)).into_response(),
        None => not_found("external endpoint", &id),
    }
}

/// Replaces `enabled`, `description` and `rootUrl`; the id fields cannot change.
async fn update_endpoint(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let updated = match endpoint_from(&body) {
        Ok(endpoint) => endpoint,
        Err(message) => return bad_request(&message),
    };
    if updated.id != id {
        return bad_request("name, vendor and version of an external endpoint cannot change");
    }
    let moved = state.world().extensions.endpoints.iter().any(|e| e.id == id && e.root_url != updated.root_url);
    if moved && let Err(message) = super::certificates::check_trusted(&state, &updated.root_url).await {
        return bad_request(&message);
    }
    let mut world = state.world();
    let Some(endpoint) = world.extensions.endpoints.iter_mut().find(|e| e.id == id) else {
        return not_found("external endpoint", &id);
    };
    *endpoint = updated;
    Json(endpoint_json(endpoint)).into_response()
}

async fn delete_endpoint(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let mut world = state.world();
    let Some(index) = world.extensions.endpoints.iter().position(|e| e.id == id) else {
        return not_found("external endpoint", &id);
    };
    if world.extensions.endpoints[index].enabled {
        return bad_request(&format!("external endpoint {id} must be disabled before it is deleted"));
    }
    if world.extensions.api_filters.iter().any(|f| f.external_system_id == id) {
        return bad_request(&format!("external endpoint {id} still has API filters"));
    }
    world.extensions.endpoints.remove(index);
    StatusCode::NO_CONTENT.into_response()
}

/// Validates a filter body against the endpoints that exist; `Err` is the message of the 400 to answer.
fn filter_from(state: &SimState, body: &Value, id: String) -> Result<ApiFilter, String> {
    let system = body.get("externalSystem").cloned().unwrap_or(Value::Null);
    let system_id = text(&system, "id");
    let matcher = body.get("urlMatcher").cloned().unwrap_or(Value::Null);
    let (url_pattern, url_scope) = (text(&matcher, "urlPattern"), text(&matcher, "urlScope"));
    let world = state.world();
    let Some(endpoint) = world.extensions.endpoints.iter().find(|e| e.id == system_id) else {
        return Err(format!("externalSystem {system_id} is not an external endpoint"));
    };
    if !ENDPOINT_SCOPES.contains(&url_scope.as_str()) {
        return Err(format!("urlScope must be one of {}", ENDPOINT_SCOPES.join(", ")));
    }
    if !url_pattern.ends_with(".*") {
        return Err("an external endpoint's urlPattern must end with .*".into());
    }
    Ok(ApiFilter {
        id,
        external_system_id: endpoint.id.clone(),
        external_system_name: endpoint.name.clone(),
        url_pattern,
        url_scope,
    })
}

async fn list_filters(
    State(state): State<SimState>,
    Authed(session): Authed,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let values = state.world().extensions.api_filters.iter().map(filter_json).collect();
    page(values, &params)
}

async fn create_filter(State(state): State<SimState>, Authed(session): Authed, Json(body): Json<Value>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let filter = match filter_from(&state, &body, format!("urn:vcloud:apiFilter:{}", new_uuid())) {
        Ok(filter) => filter,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let duplicate = world.extensions.api_filters.iter().any(|f| {
        f.external_system_id == filter.external_system_id
            && f.url_pattern == filter.url_pattern
            && f.url_scope == filter.url_scope
    });
    if duplicate {
        return json_error(StatusCode::BAD_REQUEST, "DUPLICATE_NAME", "this API filter already exists");
    }
    let body = filter_json(&filter);
    world.extensions.api_filters.push(filter);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn read_filter(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let world = state.world();
    match world.extensions.api_filters.iter().find(|f| f.id == id) {
        Some(filter) => Json(filter_json(filter)).into_response(),
        None => not_found("API filter", &id),
    }
}

async fn update_filter(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let updated = match filter_from(&state, &body, id.clone()) {
        Ok(filter) => filter,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let Some(filter) = world.extensions.api_filters.iter_mut().find(|f| f.id == id) else {
        return not_found("API filter", &id);
    };
    *filter = updated;
    Json(filter_json(filter)).into_response()
}

async fn delete_filter(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let mut world = state.world();
    let before = world.extensions.api_filters.len();
    world.extensions.api_filters.retain(|f| f.id != id);
    if world.extensions.api_filters.len() == before {
        return not_found("API filter", &id);
    }
    StatusCode::NO_CONTENT.into_response()
}
