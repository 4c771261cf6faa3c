//! UI plugins: `/cloudapi/extensions/ui` (unversioned, provider only for changes), the upload link
//! handed out in a `Link` header and the `PUT /transfer/<uuid>/<file>` that stores the zip.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::extensions::{Plugin, Transfer};
use crate::reply::{forbidden_json, json_error, uuid_in};
use crate::sessions::Authed;
use crate::state::{SimState, World, new_uuid};

/// The metadata fields a plugin keeps.
const METADATA_FIELDS: [&str; 9] = [
    "pluginName",
    "vendor",
    "description",
    "version",
    "license",
    "link",
    "tenant_scoped",
    "provider_scoped",
    "enabled",
];
/// Plugin zips may be large (a WASM UI); the default 2 MB body limit is far too small.
const MAX_ZIP_BYTES: usize = 256 * 1024 * 1024;

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/cloudapi/extensions/ui", get(list).post(create))
        .route("/cloudapi/extensions/ui/{id}", get(read).put(update).delete(remove))
        .route("/cloudapi/extensions/ui/{id}/plugin", post(start_upload))
        .route("/cloudapi/extensions/ui/{id}/tenants", get(tenants))
        .route("/cloudapi/extensions/ui/{id}/tenants/{action}", post(publishing))
        .route("/transfer/{transfer}/{file}", put(transfer).layer(DefaultBodyLimit::max(MAX_ZIP_BYTES)))
}

fn not_found(id: &str) -> Response {
    json_error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("UI plugin {id} not found"))
}

fn bad_request(message: &str) -> Response {
    json_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

fn plugin_json(plugin: &Plugin) -> Value {
    let mut body = plugin.metadata.as_object().cloned().unwrap_or_default();
    body.insert("id".into(), json!(format!("urn:vcloud:uiPlugin:{}", plugin.uuid)));
    body.insert("plugin_status".into(), json!(plugin.status));
    let resource =
        plugin.zip_sha256.as_ref().map(|sha| format!("uiPlugins/urn:vcloud:uiPlugin:{}/{}", plugin.uuid, &sha[..12]));
    body.insert("resourcePath".into(), json!(resource));
    Value::Object(body)
}

/// The known metadata fields of a request body; `pluginName`, `vendor` and `version` are required.
fn metadata(body: &Value) -> Result<Value, String> {
    let Some(fields) = body.as_object() else { return Err("the body must be a JSON object".into()) };
    let mut kept = Map::new();
    for key in METADATA_FIELDS {
        if let Some(value) = fields.get(key) {
            kept.insert(key.to_owned(), value.clone());
        }
    }
    for key in ["pluginName", "vendor", "version"] {
        if kept.get(key).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
            return Err(format!("{key} is required"));
        }
    }
    Ok(Value::Object(kept))
}

fn find<'w>(world: &'w mut World, id: &str) -> Option<&'w mut Plugin> {
    let uuid = uuid_in(id);
    world.extensions.plugins.iter_mut().find(|p| p.uuid == uuid)
}

/// `{name, id}` references of the orgs a plugin is published to.
fn tenant_refs(world: &World, tenants: &[String]) -> Vec<Value> {
    tenants
        .iter()
        .filter_map(|name| world.org(name))
        .map(|o| json!({"name": o.name, "id": format!("urn:vcloud:org:{}", o.id)}))
        .collect()
}

async fn list(State(state): State<SimState>, Authed(session): Authed) -> Response {
    let world = state.world();
    let visible = world
        .extensions
        .plugins
        .iter()
        .filter(|p| session.is_provider() || p.tenants.iter().any(|t| t.eq_ignore_ascii_case(&session.user.org)));
    Json(visible.map(plugin_json).collect::<Vec<_>>()).into_response()
}

async fn create(State(state): State<SimState>, Authed(session): Authed, Json(body): Json<Value>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let metadata = match metadata(&body) {
        Ok(metadata) => metadata,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let same = |p: &&Plugin| ["pluginName", "vendor", "version"].iter().all(|k| p.metadata.get(*k) == metadata.get(*k));
    if world.extensions.plugins.iter().any(|p| same(&p)) {
        return bad_request("a UI plugin with this name, vendor and version already exists");
    }
    let plugin = Plugin {
        uuid: new_uuid(),
        metadata,
        status: "unavailable",
        tenants: Vec::new(),
        zip: None,
        zip_sha256: None,
        uploads: 0,
    };
    let body = plugin_json(&plugin);
    world.extensions.plugins.push(plugin);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn read(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let mut world = state.world();
    let org = session.user.org.clone();
    match find(&mut world, &id) {
        Some(p) if session.is_provider() || p.tenants.iter().any(|t| t.eq_ignore_ascii_case(&org)) => {
            Json(plugin_json(p)).into_response()
        }
        _ => not_found(&id),
    }
}

async fn update(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let metadata = match metadata(&body) {
        Ok(metadata) => metadata,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let Some(plugin) = find(&mut world, &id) else { return not_found(&id) };
    plugin.metadata = metadata;
    Json(plugin_json(plugin)).into_response()
}

async fn remove(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let mut world = state.world();
    let uuid = uuid_in(&id).to_owned();
    let before = world.extensions.plugins.len();
    world.extensions.plugins.retain(|p| p.uuid != uuid);
    if world.extensions.plugins.len() == before {
        return not_found(&id);
    }
    world.extensions.transfers.retain(|_, t| t.plugin_uuid != uuid);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST …/{id}/plugin` with `{fileName, size, checksum?, checksumAlgo?}`: 204 and the transfer
/// link in `Link: <…/transfer/<uuid>/<fileName>>;rel="upload:default"`.
async fn start_upload(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    Json(spec): Json<Value>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let file_name = spec.get("fileName").and_then(Value::as_str).unwrap_or_default().to_owned();
    let size = spec.get("size").and_then(Value::as_u64).and_then(|s| usize::try_from(s).ok()).unwrap_or(0);
    if file_name.is_empty() || file_name.contains('/') || size == 0 {
        return bad_request("fileName and a positive size are required");
    }
    let algorithm = spec.get("checksumAlgo").and_then(Value::as_str).unwrap_or("sha256");
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return bad_request(&format!("unsupported checksumAlgo {algorithm}"));
    }
    let checksum = spec.get("checksum").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let base = state.base_url().to_owned();
    let mut world = state.world();
    let Some(plugin) = find(&mut world, &id) else { return not_found(&id) };
    let plugin_uuid = plugin.uuid.clone();
    plugin.status = "unavailable";
    let transfer = new_uuid();
    world.extensions.transfers.insert(transfer.clone(), Transfer { plugin_uuid, size, checksum });
    let link =
        format!("<{base}/transfer/{transfer}/{file_name}>;rel=\"upload:default\";type=\"application/octet-stream\"");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// `PUT /transfer/<uuid>/<file>`: the zip itself. Size and checksum must match the announcement;
/// the plugin turns `ready`.
async fn transfer(
    State(state): State<SimState>,
    Authed(_session): Authed,
    Path((transfer, _file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with("application/zip") && !content_type.starts_with("application/octet-stream") {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected application/zip").into_response();
    }
    let mut world = state.world();
    let Some(upload) = world.extensions.transfers.remove(&transfer) else {
        return (StatusCode::NOT_FOUND, "no such transfer").into_response();
    };
    if body.len() != upload.size {
        return (StatusCode::BAD_REQUEST, format!("expected {} bytes, got {}", upload.size, body.len()))
            .into_response();
    }
    let sha = sha2::Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect::<String>();
    if upload.checksum.as_ref().is_some_and(|c| *c != sha) {
        return (StatusCode::BAD_REQUEST, "checksum mismatch").into_response();
    }
    if !body.starts_with(b"PK\x03\x04") {
        return (StatusCode::BAD_REQUEST, "not a zip file").into_response();
    }
    let Some(plugin) = world.extensions.plugins.iter_mut().find(|p| p.uuid == upload.plugin_uuid) else {
        return (StatusCode::NOT_FOUND, "the plugin is gone").into_response();
    };
    plugin.zip = Some(body.to_vec());
    plugin.zip_sha256 = Some(sha);
    plugin.uploads += 1;
    plugin.status = "ready";
    StatusCode::OK.into_response()
}

async fn tenants(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let mut world = state.world();
    let Some(plugin) = find(&mut world, &id) else { return not_found(&id) };
    let names = plugin.tenants.clone();
    let values = tenant_refs(&world, &names);
    Json(json!({"resultTotal": values.len(), "pageCount": 1, "page": 1, "pageSize": 128, "associations": null, "values": values}))
        .into_response()
}

/// `publishAll`, `unpublishAll` (no body), `publish`, `unpublish` (`[{id, name}]`); answers the
/// orgs the plugin is now published to.
async fn publishing(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let mut world = state.world();
    let orgs: Vec<String> = match action.as_str() {
        "publishAll" | "unpublishAll" => Vec::new(),
        "publish" | "unpublish" => {
            let Ok(Value::Array(refs)) = serde_json::from_slice::<Value>(&body) else {
                return bad_request("the body must be a list of org references");
            };
            let mut names = Vec::new();
            for r in refs {
                let by_id = r.get("id").and_then(Value::as_str).map(uuid_in);
                let by_name = r.get("name").and_then(Value::as_str);
                let org = world.orgs.iter().find(|o| {
                    by_id.map_or_else(|| by_name.is_some_and(|n| o.name.eq_ignore_ascii_case(n)), |uuid| o.id == uuid)
                });
                match org {
                    Some(org) if !org.name.eq_ignore_ascii_case("System") => names.push(org.name.clone()),
                    _ => return bad_request(&format!("no such tenant: {r}")),
                }
            }
            names
        }
        _ => return not_found(&id),
    };
    let all: Vec<String> =
        world.orgs.iter().filter(|o| !o.name.eq_ignore_ascii_case("System")).map(|o| o.name.clone()).collect();
    let Some(plugin) = find(&mut world, &id) else { return not_found(&id) };
    match action.as_str() {
        "publishAll" => plugin.tenants = all,
        "unpublishAll" => plugin.tenants.clear(),
        "publish" => {
            for name in orgs {
                if !plugin.tenants.contains(&name) {
                    plugin.tenants.push(name);
                }
            }
        }
        _ => plugin.tenants.retain(|t| !orgs.contains(t)),
    }
    let names = plugin.tenants.clone();
    Json(tenant_refs(&world, &names)).into_response()
}
