//! Autoscale rules, their signals, timelines, journals, VMs, and the vCD pickers.

mod pickers;
mod signals;
mod views;

use api_types::{AutoscaleRuleSummary, ListResponse, Rule, RuleSpec, RuleWithSecret};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, OrgScope};
use crate::state::AppState;

type ErrorBody = api_types::ErrorBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(rotate_secret))
        .merge(signals::router())
        .merge(views::router())
        .merge(pickers::router())
}

/// `/api/org/{org}/autoscale/rules/{id}…`
#[derive(Deserialize)]
struct RulePath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    id: String,
}

/// The org's autoscale rules.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules", tag = "autoscale", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<AutoscaleRuleSummary>), (status = 404, body = ErrorBody)))]
async fn list_rules(
    State(state): State<AppState>,
    scope: OrgScope,
) -> ApiResult<Json<ListResponse<AutoscaleRuleSummary>>> {
    Ok(Json(ListResponse { items: state.autoscale.list(&scope.org).await? }))
}

/// Creates a rule after checking its numbers and that its template, vApp, edge gateway and pool
/// exist in vCD. The answer carries the webhook secret, shown only this once.
#[utoipa::path(post, path = "/api/org/{org}/autoscale/rules", tag = "autoscale", params(("org" = String, Path)),
    request_body = RuleSpec,
    responses((status = 201, body = RuleWithSecret), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn create_rule(
    State(state): State<AppState>,
    scope: OrgScope,
    AppJson(spec): AppJson<RuleSpec>,
) -> ApiResult<(StatusCode, Json<RuleWithSecret>)> {
    Ok((StatusCode::CREATED, Json(state.autoscale.create(&scope.org, spec).await?)))
}

/// One rule.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules/{id}", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Rule), (status = 404, body = ErrorBody)))]
async fn get_rule(State(state): State<AppState>, scope: OrgScope, Path(path): Path<RulePath>) -> ApiResult<Json<Rule>> {
    Ok(Json(state.autoscale.get(&scope.org, &path.id).await?))
}

/// Replaces a rule's definition (validated like a new one).
#[utoipa::path(put, path = "/api/org/{org}/autoscale/rules/{id}", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)), request_body = RuleSpec,
    responses((status = 200, body = Rule), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_rule(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
    AppJson(spec): AppJson<RuleSpec>,
) -> ApiResult<Json<Rule>> {
    Ok(Json(state.autoscale.update(&scope.org, &path.id, spec).await?))
}

/// Deletes a rule (its VMs stay). Refused with 409 while an action runs.
#[utoipa::path(delete, path = "/api/org/{org}/autoscale/rules/{id}", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_rule(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
) -> ApiResult<StatusCode> {
    state.autoscale.delete(&scope.org, &path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a new webhook secret; the old one stops working.
#[utoipa::path(post, path = "/api/org/{org}/autoscale/rules/{id}/secret", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = RuleWithSecret), (status = 404, body = ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
) -> ApiResult<Json<RuleWithSecret>> {
    Ok(Json(state.autoscale.rotate_secret(&scope.org, &path.id).await?))
}
