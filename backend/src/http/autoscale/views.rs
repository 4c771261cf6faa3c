//! What a rule did and has: its timeline, action journals, VMs, and VM-count chart.

use api_types::{ActionDetail, ActionSummary, AutoscaleEvent, ListResponse, Protection, RuleVm};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, RulePath};
use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, AppQuery, OrgScope};
use crate::http::svg::svg;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(list_actions))
        .routes(routes!(get_action))
        .routes(routes!(list_vms))
        .routes(routes!(set_protection))
        .routes(routes!(vm_count_chart))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventQuery {
    /// At most this many, newest first (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[derive(Deserialize)]
struct ActionPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    id: String,
    action: String,
}

#[derive(Deserialize)]
struct VmPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    id: String,
    vm: String,
}

/// The rule's timeline, newest first: signals, decisions with their reasons, actions, steps.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}/events", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path), EventQuery),
    responses((status = 200, body = ListResponse<AutoscaleEvent>), (status = 404, body = ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
    AppQuery(query): AppQuery<EventQuery>,
) -> ApiResult<Json<ListResponse<AutoscaleEvent>>> {
    let limit = crate::http::extract::list_limit(query.limit, 200, 1000)?;
    let items = state.autoscale.events(&scope.org, &path.id, limit).await?;
    Ok(Json(ListResponse { items }))
}

/// The rule's scaling actions, newest first.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}/actions", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ListResponse<ActionSummary>), (status = 404, body = ErrorBody)))]
async fn list_actions(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
) -> ApiResult<Json<ListResponse<ActionSummary>>> {
    Ok(Json(ListResponse { items: state.autoscale.actions(&scope.org, &path.id).await? }))
}

/// One action with its journal steps.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}/actions/{action}", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path), ("action" = String, Path)),
    responses((status = 200, body = ActionDetail), (status = 404, body = ErrorBody)))]
async fn get_action(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<ActionPath>,
) -> ApiResult<Json<ActionDetail>> {
    Ok(Json(state.autoscale.action(&scope.org, &path.id, &path.action).await?))
}

/// The vApp's VMs as vCD reports them now, with protection and pool membership.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}/vms", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ListResponse<RuleVm>), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_vms(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
) -> ApiResult<Json<ListResponse<RuleVm>>> {
    Ok(Json(ListResponse { items: state.autoscale.vms(&scope.org, &path.id).await? }))
}

/// Protects a VM from scale-in (or lifts it).
#[utoipa::path(put, path = "/api/org/{org}/autoscale/rules/{id}/vms/{vm}/protection", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path), ("vm" = String, Path)), request_body = Protection,
    responses((status = 200, body = RuleVm), (status = 404, body = ErrorBody)))]
async fn set_protection(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<VmPath>,
    AppJson(body): AppJson<Protection>,
) -> ApiResult<Json<RuleVm>> {
    Ok(Json(state.autoscale.protect(&scope.org, &path.id, &path.vm, body.protected).await?))
}

/// VM count over time (from the timeline), with the rule's min and max.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}/chart/vm-count.svg", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody)))]
async fn vm_count_chart(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
) -> ApiResult<Response> {
    let rule = state.autoscale.get(&scope.org, &path.id).await?;
    let events = state.autoscale.events(&scope.org, &path.id, 1000).await?;
    let points: Vec<(i64, u32)> = events
        .iter()
        .rev()
        .filter_map(|e| {
            let at = chrono::DateTime::parse_from_rfc3339(&e.at).ok()?.timestamp();
            Some((at, e.vm_count?))
        })
        .collect();
    let title = format!("VMs of {}", rule.spec.name);
    Ok(svg(charts::vm_count_svg(&title, &points, rule.spec.min_vms, rule.spec.max_vms, (720, 260))))
}
