//! Logins (cloudapi provider and tenant, legacy `/api/sessions`), tokens and the `Authed`
//! extractor every other route uses.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::reply::{self, escape, json_error, xml_error};
use crate::state::{Session, SimState, User, World, new_uuid};

pub(crate) const ACCESS_TOKEN_HEADER: &str = "x-vmware-vcloud-access-token";
pub(crate) const LEGACY_TOKEN_HEADER: &str = "x-vcloud-authorization";

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/cloudapi/1.0.0/sessions", post(tenant_login))
        .route("/cloudapi/1.0.0/sessions/provider", post(provider_login))
        .route("/cloudapi/1.0.0/sessions/current", get(current))
        .route("/api/sessions", post(legacy_login))
}

/// A request with a valid, unexpired session token.
pub(crate) struct Authed(pub Session);

impl FromRequestParts<SimState> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &SimState) -> Result<Self, Self::Rejection> {
        let session = token_in(&parts.headers).and_then(|token| state.world().sessions.get(&token).cloned());
        match session.filter(|s| !s.expired) {
            Some(session) => Ok(Authed(session)),
            None if parts.uri.path().starts_with("/cloudapi") => {
                Err(json_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized"))
            }
            None => Err(xml_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Unauthorized")),
        }
    }
}

/// The token of a request: `Authorization: Bearer …` or `x-vcloud-authorization`.
fn token_in(headers: &HeaderMap) -> Option<String> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(bearer) = text(header::AUTHORIZATION.as_str()).and_then(|v| v.strip_prefix("Bearer ")) {
        return Some(bearer.trim().to_owned());
    }
    text(LEGACY_TOKEN_HEADER).map(str::to_owned)
}

/// The user named by `Authorization: Basic user@org:password`, if the password matches.
fn basic_user(world: &World, headers: &HeaderMap) -> Option<User> {
    let encoded = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (login, password) = decoded.split_once(':')?;
    let (name, org) = login.rsplit_once('@')?;
    world.users.iter().find(|u| u.name == name && u.org.eq_ignore_ascii_case(org) && u.password == password).cloned()
}

/// Starts a session for `user` and returns its JWT-like token (and a legacy token when asked).
pub(crate) fn start_session(world: &mut World, user: User, legacy: bool) -> (String, Option<String>) {
    let session = Session { id: new_uuid(), user, expired: false };
    let claims = json!({"sub": session.user.name, "org": session.user.org, "sid": session.id});
    let random: [u8; 32] = rand::random();
    let jwt = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.{}",
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(random)
    );
    let legacy_token = legacy.then(|| format!("{:032x}", rand::random::<u128>()));
    if let Some(token) = &legacy_token {
        world.sessions.insert(token.clone(), session.clone());
    }
    world.sessions.insert(jwt.clone(), session);
    (jwt, legacy_token)
}

fn session_json(world: &World, session: &Session) -> Value {
    let org_id = world.org(&session.user.org).map(|o| o.id.clone()).unwrap_or_default();
    json!({
        "id": format!("urn:vcloud:session:{}", session.id),
        "user": {"name": session.user.name, "id": format!("urn:vcloud:user:{}", session.user.id)},
        "org": {"name": session.user.org, "id": format!("urn:vcloud:org:{org_id}")},
        "location": "vcd-sim",
        "roles": [session.user.role],
        "roleRefs": [{"name": session.user.role, "id": format!("urn:vcloud:role:{}", role_uuid(&session.user.role))}],
        "sessionIdleTimeoutMinutes": 30,
    })
}

fn role_uuid(role: &str) -> &'static str {
    if role == "System Administrator" {
        "5eed0009-0000-4000-8000-000000000000"
    } else {
        "5eed0009-0000-4000-8000-000000000001"
    }
}

async fn provider_login(State(state): State<SimState>, headers: HeaderMap) -> Response {
    cloudapi_login(&state, &headers, true)
}

async fn tenant_login(State(state): State<SimState>, headers: HeaderMap) -> Response {
    cloudapi_login(&state, &headers, false)
}

/// Provider users log in at `/sessions/provider`, tenant users at `/sessions`.
fn cloudapi_login(state: &SimState, headers: &HeaderMap, provider: bool) -> Response {
    let mut world = state.world();
    let user = basic_user(&world, headers).filter(|u| u.org.eq_ignore_ascii_case("System") == provider);
    let Some(user) = user else { return json_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Invalid credentials") };
    let (jwt, _) = start_session(&mut world, user, false);
    let body = session_json(&world, &world.sessions[&jwt]);
    ([(ACCESS_TOKEN_HEADER, jwt.as_str()), ("x-vmware-vcloud-token-type", "Bearer")], Json(body)).into_response()
}

async fn legacy_login(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let mut world = state.world();
    let Some(user) = basic_user(&world, &headers) else {
        return xml_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Invalid credentials");
    };
    let (jwt, legacy) = start_session(&mut world, user.clone(), true);
    let base = state.base_url();
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Session xmlns="http://www.vmware.com/vcloud/v1.5" user="{}" org="{}" userId="urn:vcloud:user:{}" roles="{}" href="{base}/api/session" type="application/vnd.vmware.vcloud.session+xml"><Link rel="down" href="{base}/api/org/" type="application/vnd.vmware.vcloud.orgList+xml"/></Session>"#,
        escape(&user.name),
        escape(&user.org),
        user.id,
        escape(&user.role)
    );
    let mut response = reply::xml(StatusCode::OK, "application/vnd.vmware.vcloud.session+xml", body);
    for (name, value) in [(LEGACY_TOKEN_HEADER, legacy.unwrap_or_default()), (ACCESS_TOKEN_HEADER, jwt)] {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn current(State(state): State<SimState>, Authed(session): Authed) -> Response {
    let world = state.world();
    Json(session_json(&world, &session)).into_response()
}
