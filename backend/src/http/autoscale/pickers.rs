//! The rule form's pickers: the org's templates, vApps, edge gateways and pools, from vCD.

use api_types::{ListResponse, VcdObject};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ErrorBody;
use crate::http::error::ApiResult;
use crate::http::extract::OrgScope;
use crate::state::AppState;
use stratus_core::autoscale::vcd::Inventory;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates))
        .routes(routes!(vapps))
        .routes(routes!(edge_gateways))
        .routes(routes!(pools))
}

type Objects = ApiResult<Json<ListResponse<VcdObject>>>;

async fn list(state: &AppState, org: &str, inventory: Inventory) -> Objects {
    Ok(Json(ListResponse { items: state.autoscale.inventory(org, inventory).await? }))
}

/// The org's vApp templates.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/vcd/templates", tag = "autoscale", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<VcdObject>), (status = 503, body = ErrorBody)))]
async fn templates(State(state): State<AppState>, scope: OrgScope) -> Objects {
    list(&state, &scope.org, Inventory::Templates).await
}

/// The org's vApps.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/vcd/vapps", tag = "autoscale", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<VcdObject>), (status = 503, body = ErrorBody)))]
async fn vapps(State(state): State<AppState>, scope: OrgScope) -> Objects {
    list(&state, &scope.org, Inventory::VApps).await
}

/// The org's edge gateways, with their load-balancer kind.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/vcd/edge-gateways", tag = "autoscale", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<VcdObject>), (status = 503, body = ErrorBody)))]
async fn edge_gateways(State(state): State<AppState>, scope: OrgScope) -> Objects {
    list(&state, &scope.org, Inventory::EdgeGateways).await
}

#[derive(Deserialize)]
struct EdgePath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    edge: String,
}

/// The load-balancer pools of one of the org's edge gateways.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/vcd/edge-gateways/{edge}/pools", tag = "autoscale",
    params(("org" = String, Path), ("edge" = String, Path)),
    responses((status = 200, body = ListResponse<VcdObject>), (status = 503, body = ErrorBody)))]
async fn pools(State(state): State<AppState>, scope: OrgScope, Path(path): Path<EdgePath>) -> Objects {
    list(&state, &scope.org, Inventory::Pools(path.edge)).await
}
