//! Signals: pushed metrics and the vROps REST-notification webhook.

use api_types::{Evaluation, MetricsPush, VropsAlert};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, RulePath};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, OrgScope};
use crate::state::AppState;
use stratus_core::autoscale::AlertCredentials;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push_metrics)).routes(routes!(post_alert, put_alert))
}

/// Pushes the group's average CPU and memory usage (percent) and evaluates the rule at once.
#[utoipa::path(post, path = "/api/org/{org}/autoscale/rules/{id}/metrics", tag = "autoscale",
    params(("org" = String, Path), ("id" = String, Path)), request_body = MetricsPush,
    responses((status = 200, body = Evaluation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn push_metrics(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<RulePath>,
    AppJson(push): AppJson<MetricsPush>,
) -> ApiResult<Json<Evaluation>> {
    Ok(Json(state.autoscale.push_metrics(&scope.org, &path.id, push).await?))
}

/// A new vROps alert (REST Notification Plugin). HTTP Basic: user = the rule id (or empty: the
/// rule is then found by the alert's resource), password = the rule's webhook secret. The alert
/// name says the metric and direction, e.g. "web CPU high", "web memory low". Answers 201.
#[utoipa::path(post, path = "/api/autoscale/alerts/vrops", tag = "autoscale", request_body = VropsAlert,
    responses((status = 201, body = Evaluation), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(alert): AppJson<VropsAlert>,
) -> ApiResult<(StatusCode, Json<Evaluation>)> {
    let creds = basic(&headers)?;
    Ok((StatusCode::CREATED, Json(state.autoscale.alert(&creds, alert).await?)))
}

/// An update (or cancellation) of a vROps alert. Answers 202.
#[utoipa::path(put, path = "/api/autoscale/alerts/vrops", tag = "autoscale", request_body = VropsAlert,
    responses((status = 202, body = Evaluation), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(alert): AppJson<VropsAlert>,
) -> ApiResult<(StatusCode, Json<Evaluation>)> {
    let creds = basic(&headers)?;
    Ok((StatusCode::ACCEPTED, Json(state.autoscale.alert(&creds, alert).await?)))
}

fn basic(headers: &HeaderMap) -> ApiResult<AlertCredentials> {
    let refused = || ApiError::Unauthorized("send the rule's webhook secret with HTTP Basic authentication".into());
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")).ok_or_else(refused)?;
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(refused)?;
    let (user, secret) = decoded.split_once(':').ok_or_else(refused)?;
    if secret.is_empty() {
        return Err(refused());
    }
    Ok(AlertCredentials { username: Some(user.to_owned()).filter(|u| !u.is_empty()), secret: secret.to_owned() })
}
