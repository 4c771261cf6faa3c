//! NSX-V edge load balancer pools through the NSX proxy: list, GET and PUT of a whole pool.
//! PUT is synchronous (204); an armed `PoolUpdate` failure answers with an NSX error instead.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::reply::{escape, forbidden_xml, nsx_error};
use crate::sessions::Authed;
use crate::state::{EdgeKind, Member, Pool, SimState, TaskKind};

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/network/edges/{edge}/loadbalancer/config/pools", get(list))
        .route("/network/edges/{edge}/loadbalancer/config/pools/{pool}", get(get_pool).put(put_pool))
}

fn xml_response(body: String) -> Response {
    (StatusCode::OK, [("content-type", "application/xml")], body).into_response()
}

fn pool_xml(pool: &Pool) -> String {
    let mut out = format!(
        "<pool><poolId>{}</poolId><name>{}</name><algorithm>{}</algorithm><transparent>false</transparent>",
        escape(&pool.id),
        escape(&pool.name),
        escape(&pool.algorithm)
    );
    for m in &pool.members {
        out.push_str(&format!(
            "<member><memberId>{}</memberId><name>{}</name><ipAddress>{}</ipAddress><weight>{}</weight><monitorPort>{port}</monitorPort><port>{port}</port><maxConn>0</maxConn><minConn>0</minConn><condition>{}</condition></member>",
            escape(&m.id),
            escape(&m.name),
            escape(&m.ip),
            m.weight,
            if m.enabled { "enabled" } else { "disabled" },
            port = m.port,
        ));
    }
    out.push_str("</pool>");
    out
}

/// Finds an NSX-V edge the session may see; the error is the answer to send.
fn edge_index(state: &SimState, session: &crate::state::Session, edge: &str) -> Result<usize, Box<Response>> {
    let world = state.world();
    let found = world.edge_index(edge).filter(|&i| world.edges[i].kind == EdgeKind::NsxV);
    let Some(index) = found else {
        return Err(Box::new(nsx_error(StatusCode::NOT_FOUND, 15001, &format!("Edge {edge} not found"))));
    };
    if !session.sees(&world.edges[index].org) {
        return Err(Box::new(forbidden_xml()));
    }
    Ok(index)
}

async fn list(State(state): State<SimState>, Authed(session): Authed, Path(edge): Path<String>) -> Response {
    let index = match edge_index(&state, &session, &edge) {
        Ok(index) => index,
        Err(response) => return *response,
    };
    let world = state.world();
    let pools: String = world.edges[index].pools.iter().map(pool_xml).collect();
    xml_response(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><loadBalancer>{pools}</loadBalancer>"))
}

async fn get_pool(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path((edge, pool)): Path<(String, String)>,
) -> Response {
    let index = match edge_index(&state, &session, &edge) {
        Ok(index) => index,
        Err(response) => return *response,
    };
    let world = state.world();
    match world.edges[index].pools.iter().find(|p| p.id == pool) {
        Some(found) => xml_response(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", pool_xml(found))),
        None => nsx_error(StatusCode::NOT_FOUND, 14010, &format!("Pool {pool} not found")),
    }
}

async fn put_pool(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path((edge, pool_id)): Path<(String, String)>,
    body: String,
) -> Response {
    let index = match edge_index(&state, &session, &edge) {
        Ok(index) => index,
        Err(response) => return *response,
    };
    let mut world = state.world();
    let Some(slot) = world.edges[index].pools.iter().position(|p| p.id == pool_id) else {
        return nsx_error(StatusCode::NOT_FOUND, 14010, &format!("Pool {pool_id} not found"));
    };
    let mut pool = match parse_pool(&body, &pool_id) {
        Ok(pool) => pool,
        Err(message) => return nsx_error(StatusCode::BAD_REQUEST, 14000, &message),
    };
    if let Some(message) = world.failures.remove(&TaskKind::PoolUpdate) {
        return nsx_error(StatusCode::BAD_REQUEST, 14000, &message);
    }
    let mut next = world.edges[index]
        .pools
        .iter()
        .flat_map(|p| &p.members)
        .filter_map(|m| m.id.strip_prefix("member-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    for member in pool.members.iter_mut().filter(|m| m.id.is_empty()) {
        next += 1;
        member.id = format!("member-{next}");
    }
    world.edges[index].pools[slot] = pool;
    StatusCode::NO_CONTENT.into_response()
}

/// Reads a whole pool document; every required field must be there.
fn parse_pool(body: &str, pool_id: &str) -> Result<Pool, String> {
    let doc = roxmltree::Document::parse(body).map_err(|e| format!("invalid XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "pool" {
        return Err("expected a <pool>".into());
    }
    let text = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children().find(|c| c.tag_name().name() == name).map(|c| c.text().unwrap_or_default().trim().to_owned())
    };
    if text(root, "poolId").is_some_and(|id| id != pool_id) {
        return Err("poolId does not match the URL".into());
    }
    let name = text(root, "name").filter(|n| !n.is_empty()).ok_or("pool name is required")?;
    let algorithm = text(root, "algorithm").filter(|a| !a.is_empty()).ok_or("pool algorithm is required")?;
    let mut members = Vec::new();
    for node in root.children().filter(|c| c.tag_name().name() == "member") {
        let ip = text(node, "ipAddress").filter(|ip| !ip.is_empty()).ok_or("member ipAddress is required")?;
        let port = text(node, "port").and_then(|p| p.parse().ok()).ok_or("member port is required")?;
        let enabled = match text(node, "condition").as_deref() {
            None | Some("enabled") => true,
            Some("disabled") => false,
            Some(other) => return Err(format!("invalid member condition {other}")),
        };
        let weight = text(node, "weight").and_then(|w| w.parse().ok()).unwrap_or(1);
        let id = text(node, "memberId").unwrap_or_default();
        members.push(Member { id, name: text(node, "name").unwrap_or_default(), ip, port, weight, enabled });
    }
    Ok(Pool { id: pool_id.to_owned(), name, algorithm, default_port: 80, members })
}
