//! NSX-T edge gateways and Advanced Load Balancer pools through cloudapi: the paged edge gateway
//! list, pool summaries per edge, pool GET and PUT (202 + `Location` task).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::reply::{forbidden_json, json_error, uuid_in};
use crate::sessions::Authed;
use crate::state::{Edge, EdgeKind, Member, Pool, Session, SimState, TaskKind, World};
use crate::tasks::{self, Effect, NewTask};

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/cloudapi/1.0.0/edgeGateways", get(edge_gateways))
        .route("/cloudapi/1.0.0/edgeGateways/{id}/loadBalancer/poolSummaries", get(pool_summaries))
        .route("/cloudapi/1.0.0/loadBalancer/pools/{id}", get(get_pool).put(put_pool))
}

type Params = Query<HashMap<String, String>>;

/// A cloudapi page of `values`, honouring `page`, `pageSize` and a `;`-joined `a==b` filter.
fn page(params: &HashMap<String, String>, mut values: Vec<Value>) -> Value {
    if let Some(filter) = params.get("filter") {
        let conditions: Vec<(&str, &str)> = filter.split(';').filter_map(|c| c.split_once("==")).collect();
        values.retain(|v| {
            conditions.iter().all(|(path, expected)| {
                path.split('.').try_fold(v, |node, key| node.get(key)).and_then(Value::as_str) == Some(expected)
            })
        });
    }
    let number = |key: &str, default: usize| params.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let page_size = number("pageSize", 25).clamp(1, 128);
    let page = number("page", 1).max(1);
    let total = values.len();
    let items: Vec<Value> = values.into_iter().skip((page - 1) * page_size).take(page_size).collect();
    json!({"resultTotal": total, "pageCount": total.div_ceil(page_size), "page": page, "pageSize": page_size,
           "associations": null, "values": items})
}

fn entity_ref(kind: &str, name: &str, uuid: &str) -> Value {
    json!({"name": name, "id": format!("urn:vcloud:{kind}:{uuid}")})
}

fn edge_json(world: &World, edge: &Edge) -> Value {
    let (org_id, vdc_id) = world.org(&edge.org).map(|o| (o.id.clone(), o.vdc_id.clone())).unwrap_or_default();
    let gateway_type = if edge.kind == EdgeKind::NsxV { "NSXV_BACKED" } else { "NSXT_BACKED" };
    json!({
        "id": format!("urn:vcloud:gateway:{}", edge.id), "name": edge.name, "description": "",
        "orgRef": entity_ref("org", &edge.org, &org_id),
        "ownerRef": entity_ref("vdc", &format!("{}-vdc", edge.org), &vdc_id),
        "orgVdc": entity_ref("vdc", &format!("{}-vdc", edge.org), &vdc_id),
        "gatewayBacking": {"backingId": edge.name, "gatewayType": gateway_type,
                           "networkProvider": {"name": "nsx-manager", "id": "urn:vcloud:nsxtmanager:5eed000a-0000-4000-8000-000000000001"}},
        "edgeGatewayUplinks": [],
    })
}

fn pool_json(edge: &Edge, pool: &Pool) -> Value {
    let members: Vec<Value> = pool
        .members
        .iter()
        .map(|m| {
            json!({"ipAddress": m.ip, "port": m.port, "ratio": m.weight, "enabled": m.enabled,
                        "healthStatus": if m.enabled { "UP" } else { "DISABLED" }, "markedDownBy": []})
        })
        .collect();
    let enabled = pool.members.iter().filter(|m| m.enabled).count();
    json!({
        "id": pool.id, "name": pool.name, "description": "", "enabled": true,
        "gatewayRef": {"name": edge.name, "id": format!("urn:vcloud:gateway:{}", edge.id)},
        "algorithm": pool.algorithm, "defaultPort": pool.default_port, "gracefulTimeoutPeriod": 1,
        "passiveMonitoringEnabled": true, "healthMonitors": [{"type": "HTTP"}], "persistenceProfile": null,
        "members": members, "memberCount": pool.members.len(), "enabledMemberCount": enabled, "upMemberCount": enabled,
        "healthMessage": "The pool is up", "virtualServiceRefs": [],
    })
}

async fn edge_gateways(State(state): State<SimState>, Authed(session): Authed, Query(params): Params) -> Response {
    let world = state.world();
    let values = world.edges.iter().filter(|e| session.sees(&e.org)).map(|e| edge_json(&world, e)).collect();
    Json(page(&params, values)).into_response()
}

async fn pool_summaries(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    Query(params): Params,
) -> Response {
    let world = state.world();
    let Some(edge) = world.edges.iter().find(|e| e.id == uuid_in(&id)) else {
        return json_error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("Edge gateway {id} not found"));
    };
    if !session.sees(&edge.org) {
        return forbidden_json();
    }
    if edge.kind != EdgeKind::NsxT {
        return json_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Load balancing is not supported on NSX-V backed edges here",
        );
    }
    let values = edge
        .pools
        .iter()
        .map(|p| {
            let mut summary = pool_json(edge, p);
            if let Some(object) = summary.as_object_mut() {
                object.remove("members");
            }
            summary
        })
        .collect();
    Json(page(&params, values)).into_response()
}

/// The edge and pool for a pool id the session may see; the error is the answer to send.
fn find_pool(world: &World, session: &Session, id: &str) -> Result<(usize, usize), Box<Response>> {
    let found =
        world.edges.iter().enumerate().find_map(|(e, edge)| edge.pools.iter().position(|p| p.id == id).map(|p| (e, p)));
    let Some((e, p)) = found.filter(|&(e, _)| world.edges[e].kind == EdgeKind::NsxT) else {
        return Err(Box::new(json_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("Load balancer pool {id} not found"),
        )));
    };
    if !session.sees(&world.edges[e].org) {
        return Err(Box::new(forbidden_json()));
    }
    Ok((e, p))
}

async fn get_pool(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let world = state.world();
    match find_pool(&world, &session, &id) {
        Ok((e, p)) => Json(pool_json(&world.edges[e], &world.edges[e].pools[p])).into_response(),
        Err(response) => *response,
    }
}

async fn put_pool(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let (edge, pool, org) = {
        let world = state.world();
        let (e, _) = match find_pool(&world, &session, &id) {
            Ok(found) => found,
            Err(response) => return *response,
        };
        let edge = &world.edges[e];
        let pool = match parse_pool(&body, &id, &format!("urn:vcloud:gateway:{}", edge.id)) {
            Ok(pool) => pool,
            Err(message) => return json_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
        };
        (edge.id.clone(), pool, edge.org.clone())
    };
    let task = NewTask {
        kind: TaskKind::PoolUpdate,
        org,
        operation: format!("Updating Load Balancer Pool {}", pool.name),
        owner_href: format!("{}/cloudapi/1.0.0/loadBalancer/pools/{id}", state.base_url()),
        owner_name: pool.name.clone(),
        owner_type: "application/json",
        effect: Effect::ReplacePool { edge, pool },
    };
    let task_id = tasks::start(&state, &session, task);
    let location = format!("{}/api/task/{task_id}", state.base_url());
    (StatusCode::ACCEPTED, [(header::LOCATION, location)]).into_response()
}

/// Reads a full pool object; `name` and `gatewayRef.id` are required, as in vCD.
fn parse_pool(body: &str, id: &str, gateway_id: &str) -> Result<Pool, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    if text(&value, "id").is_some_and(|given| given != id) {
        return Err("id does not match the URL".into());
    }
    let name = text(&value, "name").filter(|n| !n.is_empty()).ok_or("name is required")?;
    if value.get("gatewayRef").and_then(|g| text(g, "id")).as_deref() != Some(gateway_id) {
        return Err("gatewayRef.id must name the pool's edge gateway".into());
    }
    let default_port =
        value.get("defaultPort").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).unwrap_or(80);
    let mut members = Vec::new();
    for m in value.get("members").and_then(Value::as_array).into_iter().flatten() {
        let ip = text(m, "ipAddress").filter(|ip| !ip.is_empty()).ok_or("member ipAddress is required")?;
        let port = m.get("port").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).unwrap_or(default_port);
        let weight = m.get("ratio").and_then(Value::as_u64).and_then(|r| u32::try_from(r).ok()).unwrap_or(1);
        let enabled = m.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        members.push(Member { id: String::new(), name: String::new(), ip, port, weight, enabled });
    }
    let algorithm = text(&value, "algorithm").unwrap_or_else(|| "LEAST_CONNECTIONS".into());
    Ok(Pool { id: id.to_owned(), name, algorithm, default_port, members })
}
