//! The test control API: methods on [`SimState`] and the same controls as JSON routes under `/_sim`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::sessions::start_session;
use crate::state::{RequestRecord, SimState, SimVm, TaskKind, User, new_uuid};

impl SimState {
    /// Makes the next task of `kind` end in `error` with `message` (and change nothing).
    pub fn fail_next_task(&self, kind: TaskKind, message: impl Into<String>) {
        self.world().failures.insert(kind, message.into());
    }

    /// How long tasks started from now on take (default 50 ms).
    pub fn set_task_duration(&self, duration: Duration) {
        self.world().task_duration = duration;
    }

    /// The VMs of the vApp named `vapp` (empty if there is none).
    pub fn vms(&self, vapp: &str) -> Vec<SimVm> {
        let world = self.world();
        let vms = world.vapps.iter().find(|a| a.name == vapp).map(|a| a.vms.clone()).unwrap_or_default();
        vms.into_iter()
            .map(|vm| SimVm {
                id: format!("urn:vcloud:vm:{}", vm.id),
                name: vm.name,
                powered_on: vm.powered_on,
                ip: vm.ip,
            })
            .collect()
    }

    /// `(ip, enabled)` for each member of a pool.
    pub fn pool_members(&self, edge: &str, pool: &str) -> Vec<(String, bool)> {
        let world = self.world();
        let members = world.edges.iter().filter(|e| e.name == edge).flat_map(|e| &e.pools).find(|p| p.name == pool);
        members.map(|p| p.members.iter().map(|m| (m.ip.clone(), m.enabled)).collect()).unwrap_or_default()
    }

    /// Expires the session the token belongs to (all of its tokens).
    pub fn expire_token(&self, token: &str) {
        let mut world = self.world();
        let Some(id) = world.sessions.get(token).map(|s| s.id.clone()) else { return };
        for session in world.sessions.values_mut().filter(|s| s.id == id) {
            session.expired = true;
        }
    }

    /// Expires every session of `user@org` (for clients whose token the test cannot see).
    pub fn expire_sessions(&self, user: &str, org: &str) {
        let mut world = self.world();
        let of_user = |s: &crate::state::Session| s.user.name == user && s.user.org.eq_ignore_ascii_case(org);
        for session in world.sessions.values_mut().filter(|s| of_user(s)) {
            session.expired = true;
        }
    }

    /// A fresh session token for `user@org`; an unknown user gets the role `vApp User`.
    pub fn issue_token(&self, user: &str, org: &str) -> String {
        let mut world = self.world();
        let known = world.users.iter().find(|u| u.name == user && u.org.eq_ignore_ascii_case(org)).cloned();
        let user = known.unwrap_or_else(|| User {
            id: new_uuid(),
            name: user.to_owned(),
            org: org.to_owned(),
            password: String::new(),
            role: "vApp User".into(),
        });
        start_session(&mut world, user, false).0
    }

    /// The API versions the cell lists from now on (a different vCD release).
    pub fn set_api_versions(&self, versions: &[&str]) {
        self.world().api_versions = versions.iter().map(|v| (*v).to_owned()).collect();
    }

    pub fn request_count(&self) -> usize {
        self.requests().len()
    }

    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.requests().clone()
    }

    pub fn clear_request_log(&self) {
        self.requests().clear();
    }

    /// `urn:vcloud:org:<uuid>`.
    pub fn org_id(&self, name: &str) -> Option<String> {
        self.world().org(name).map(|o| format!("urn:vcloud:org:{}", o.id))
    }

    /// `urn:vcloud:vapp:<uuid>`.
    pub fn vapp_id(&self, name: &str) -> Option<String> {
        self.world().vapps.iter().find(|a| a.name == name).map(|a| format!("urn:vcloud:vapp:{}", a.id))
    }

    /// `urn:vcloud:gateway:<uuid>`.
    pub fn edge_id(&self, name: &str) -> Option<String> {
        self.world().edges.iter().find(|e| e.name == name).map(|e| format!("urn:vcloud:gateway:{}", e.id))
    }
}

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/_sim/fail-next-task", post(fail_next_task))
        .route("/_sim/task-duration", post(task_duration))
        .route("/_sim/vapps/{name}/vms", get(vms))
        .route("/_sim/edges/{edge}/pools/{pool}/members", get(pool_members))
        .route("/_sim/tokens", post(issue_token))
        .route("/_sim/tokens/expire", post(expire_token))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/ids", get(ids))
}

#[derive(Deserialize)]
struct FailNext {
    kind: TaskKind,
    message: String,
}

async fn fail_next_task(State(state): State<SimState>, Json(body): Json<FailNext>) -> StatusCode {
    state.fail_next_task(body.kind, body.message);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TaskDuration {
    millis: u64,
}

async fn task_duration(State(state): State<SimState>, Json(body): Json<TaskDuration>) -> StatusCode {
    state.set_task_duration(Duration::from_millis(body.millis));
    StatusCode::NO_CONTENT
}

async fn vms(State(state): State<SimState>, Path(name): Path<String>) -> Json<Vec<SimVm>> {
    Json(state.vms(&name))
}

async fn pool_members(State(state): State<SimState>, Path((edge, pool)): Path<(String, String)>) -> Response {
    let members: Vec<_> = state
        .pool_members(&edge, &pool)
        .into_iter()
        .map(|(ip, enabled)| json!({"ip": ip, "enabled": enabled}))
        .collect();
    Json(members).into_response()
}

#[derive(Deserialize)]
struct TokenFor {
    user: String,
    org: String,
}

async fn issue_token(State(state): State<SimState>, Json(body): Json<TokenFor>) -> Response {
    Json(json!({"token": state.issue_token(&body.user, &body.org)})).into_response()
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

async fn expire_token(State(state): State<SimState>, Json(body): Json<Token>) -> StatusCode {
    state.expire_token(&body.token);
    StatusCode::NO_CONTENT
}

async fn requests(State(state): State<SimState>) -> Response {
    Json(json!({"count": state.request_count(), "requests": state.request_log()})).into_response()
}

async fn clear_requests(State(state): State<SimState>) -> StatusCode {
    state.clear_request_log();
    StatusCode::NO_CONTENT
}

async fn ids(State(state): State<SimState>) -> Response {
    let world = state.world();
    let orgs: serde_json::Map<_, _> =
        world.orgs.iter().map(|o| (o.name.clone(), json!(format!("urn:vcloud:org:{}", o.id)))).collect();
    let vapps: serde_json::Map<_, _> =
        world.vapps.iter().map(|a| (a.name.clone(), json!(format!("urn:vcloud:vapp:{}", a.id)))).collect();
    let edges: serde_json::Map<_, _> =
        world.edges.iter().map(|e| (e.name.clone(), json!(format!("urn:vcloud:gateway:{}", e.id)))).collect();
    Json(json!({"orgs": orgs, "vapps": vapps, "edges": edges})).into_response()
}
