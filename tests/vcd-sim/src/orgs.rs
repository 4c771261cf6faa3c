//! `GET /cloudapi/1.0.0/orgs/{id}`: an org by urn (or bare uuid), in cloudapi's `Org` shape. A
//! tenant session sees only its own org; any other answers 403 like vCD does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::reply::{forbidden_json, json_error, uuid_in};
use crate::sessions::Authed;
use crate::state::SimState;

pub(crate) fn router() -> Router<SimState> {
    Router::new().route("/cloudapi/1.0.0/orgs/{id}", get(org))
}

async fn org(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let world = state.world();
    let Some(org) = world.orgs.iter().find(|o| o.id == uuid_in(&id)) else {
        return json_error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("org {id} not found"));
    };
    if !session.sees(&org.name) {
        return forbidden_json();
    }
    Json(json!({
        "id": format!("urn:vcloud:org:{}", org.id),
        "name": org.name,
        "displayName": org.name,
        "description": "",
        "isEnabled": true,
        "orgVdcCount": 1,
        "canManageOrgs": org.name.eq_ignore_ascii_case("System"),
    }))
    .into_response()
}
