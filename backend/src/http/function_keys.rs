//! A function's keys: who may call a function whose `access` is `keys`.

use api_types::{FunctionKey, FunctionKeyCreate, ListResponse, NewFunctionKey};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, OrgScope};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_keys, create_key)).routes(routes!(delete_key))
}

type ErrorBody = api_types::ErrorBody;

/// `/api/org/{org}/functions/{name}/keys…`
#[derive(Deserialize)]
struct KeysPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    name: String,
}

/// `/api/org/{org}/functions/{name}/keys/{id}`
#[derive(Deserialize)]
struct KeyPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    name: String,
    id: String,
}

/// The function's keys, oldest first; never their secrets.
#[utoipa::path(get, path = "/api/org/{org}/functions/{name}/keys", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ListResponse<FunctionKey>), (status = 404, body = ErrorBody)))]
async fn list_keys(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<KeysPath>,
) -> ApiResult<Json<ListResponse<FunctionKey>>> {
    Ok(Json(ListResponse { items: state.functions.keys(&scope.org, &path.name).await? }))
}

/// Makes a key. The secret is in this answer only: callers send it as `x-functions-key` or
/// `?code=` to a function whose `access` is `keys`. At most 20 keys per function (409).
#[utoipa::path(post, path = "/api/org/{org}/functions/{name}/keys", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)), request_body = FunctionKeyCreate,
    responses((status = 201, body = NewFunctionKey), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_key(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<KeysPath>,
    AppJson(input): AppJson<FunctionKeyCreate>,
) -> ApiResult<(StatusCode, Json<NewFunctionKey>)> {
    let key = state.functions.create_key(&scope.org, &path.name, &input).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Deletes a key: calls with it are refused at once, on every replica.
#[utoipa::path(delete, path = "/api/org/{org}/functions/{name}/keys/{id}", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_key(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<KeyPath>,
) -> ApiResult<StatusCode> {
    state.functions.delete_key(&scope.org, &path.name, &path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
