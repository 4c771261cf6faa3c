//! Function definitions, versions, invocations and limits.

use api_types::{
    EgressPolicy, Function, FunctionSpec, FunctionSummary, FunctionVersion, InvocationResult, ListResponse, OrgLimits,
    Rollback,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use stratus_core::functions::Failure;

use crate::http::error::{ApiError, ApiResult, gateway_status};
use crate::http::extract::{AppJson, AppQuery, OrgScope, Provider, list_limit};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_functions, create_function))
        .routes(routes!(get_function, update_function, delete_function))
        .routes(routes!(put_code))
        .routes(routes!(list_versions))
        .routes(routes!(rollback))
        .routes(routes!(list_invocations))
        .routes(routes!(get_invocation))
        .routes(routes!(get_own_limits))
        .routes(routes!(get_org_limits, put_org_limits))
        .routes(routes!(get_egress, put_egress))
}

type ErrorBody = api_types::ErrorBody;

/// `/api/org/{org}/functions/{name}…`
#[derive(Deserialize)]
struct FunctionPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    name: String,
}

/// `/api/org/{org}/invocations/{id}`
#[derive(Deserialize)]
struct InvocationPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    id: String,
}

/// The org's functions.
#[utoipa::path(get, path = "/api/org/{org}/functions", tag = "functions", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<FunctionSummary>), (status = 404, body = ErrorBody)))]
async fn list_functions(
    State(state): State<AppState>,
    scope: OrgScope,
) -> ApiResult<Json<ListResponse<FunctionSummary>>> {
    Ok(Json(ListResponse { items: state.functions.list(&scope.org).await? }))
}

/// Creates a function. It answers `202` with status `initializing`; poll until `ready` or
/// `failed` (with the compile error's line and column).
#[utoipa::path(post, path = "/api/org/{org}/functions", tag = "functions", params(("org" = String, Path)),
    request_body = FunctionSpec,
    responses((status = 202, body = Function), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_function(
    State(state): State<AppState>,
    scope: OrgScope,
    AppJson(spec): AppJson<FunctionSpec>,
) -> ApiResult<(StatusCode, Json<Function>)> {
    let function = state.functions.create(&scope.org, &spec).await?;
    Ok((StatusCode::ACCEPTED, Json(function)))
}

/// One function with the code of its latest version.
#[utoipa::path(get, path = "/api/org/{org}/functions/{name}", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Function), (status = 404, body = ErrorBody)))]
async fn get_function(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
) -> ApiResult<Json<Function>> {
    Ok(Json(state.functions.get(&scope.org, &path.name).await?))
}

/// Replaces the definition with a new immutable version (`202`, deploying). Omitted
/// `secrets` keep their values.
#[utoipa::path(put, path = "/api/org/{org}/functions/{name}", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)), request_body = FunctionSpec,
    responses((status = 202, body = Function), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_function(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
    AppJson(spec): AppJson<FunctionSpec>,
) -> ApiResult<(StatusCode, Json<Function>)> {
    let function = state.functions.update(&scope.org, &path.name, &spec).await?;
    Ok((StatusCode::ACCEPTED, Json(function)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CodeQuery {
    /// The entry file inside the archive (else its `package.json` or `index.js` decides).
    main: Option<String>,
}

/// Replaces the function's code with the files of a zip archive (Lambda's "upload a .zip"):
/// `.js`, `.mjs`, `.cjs` and `.json` files are kept (with `node_modules/`), other files are
/// skipped; one top-level folder holding everything is taken as the root. Everything else about
/// the function stays; the new version deploys in the background (`202`).
#[utoipa::path(put, path = "/api/org/{org}/functions/{name}/code", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path), CodeQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The zip archive, sent as `application/zip` (or `application/octet-stream`)."),
    responses((status = 202, body = Function), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_code(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
    AppQuery(query): AppQuery<CodeQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Function>)> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(media.as_str(), "application/zip" | "application/x-zip-compressed" | "application/octet-stream") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the archive as application/zip, not '{content_type}'"
        )));
    }
    let main = query.main.filter(|main| !main.is_empty());
    let function = state.functions.update_code(&scope.org, &path.name, &body, main).await?;
    Ok((StatusCode::ACCEPTED, Json(function)))
}

/// Deletes a function with its versions and history; its route answers 404 at once.
#[utoipa::path(delete, path = "/api/org/{org}/functions/{name}", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_function(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
) -> ApiResult<StatusCode> {
    state.functions.delete(&scope.org, &path.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every version, newest first.
#[utoipa::path(get, path = "/api/org/{org}/functions/{name}/versions", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ListResponse<FunctionVersion>), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
) -> ApiResult<Json<ListResponse<FunctionVersion>>> {
    Ok(Json(ListResponse { items: state.functions.versions(&scope.org, &path.name).await? }))
}

/// Serves an earlier ready version again, as a new version copied from it.
#[utoipa::path(post, path = "/api/org/{org}/functions/{name}/rollback", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)), request_body = Rollback,
    responses((status = 200, body = Function), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rollback(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
    AppJson(body): AppJson<Rollback>,
) -> ApiResult<Json<Function>> {
    Ok(Json(state.functions.rollback(&scope.org, &path.name, body.version).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InvocationQuery {
    /// How many, newest first (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The function's newest invocations: time, duration, status, memory, log tail.
#[utoipa::path(get, path = "/api/org/{org}/functions/{name}/invocations", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path), InvocationQuery),
    responses((status = 200, body = ListResponse<InvocationResult>), (status = 404, body = ErrorBody)))]
async fn list_invocations(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
    AppQuery(query): AppQuery<InvocationQuery>,
) -> ApiResult<Json<ListResponse<InvocationResult>>> {
    let limit = list_limit(query.limit, 50, 500)?;
    let items = state.functions.invocations(&scope.org, &path.name, limit).await?;
    Ok(Json(ListResponse { items: items.into_iter().map(with_gateway_status).collect() }))
}

/// One invocation, with the function's response once an async call finished.
#[utoipa::path(get, path = "/api/org/{org}/invocations/{id}", tag = "functions",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = InvocationResult), (status = 404, body = ErrorBody)))]
async fn get_invocation(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<InvocationPath>,
) -> ApiResult<Json<InvocationResult>> {
    Ok(Json(with_gateway_status(state.functions.invocation(&scope.org, &path.id).await?)))
}

/// A failed invocation shows the status the gateway answered (or would have) with.
fn with_gateway_status(mut result: InvocationResult) -> InvocationResult {
    let record = &mut result.record;
    if record.http_status.is_none()
        && let Some(failure) = record.error_code.as_deref().and_then(Failure::from_code)
    {
        record.http_status = Some(gateway_status(failure));
    }
    result
}

/// The ceilings the provider set for this org.
#[utoipa::path(get, path = "/api/org/{org}/limits", tag = "functions", params(("org" = String, Path)),
    responses((status = 200, body = OrgLimits), (status = 404, body = ErrorBody)))]
async fn get_own_limits(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<OrgLimits>> {
    Ok(Json(state.functions.stored_org_limits(&scope.org).await?))
}

/// 404 unless `org` exists (the provider's endpoints about one org).
pub(crate) async fn existing_org(state: &AppState, org: &str) -> ApiResult<()> {
    match state.orgs.get(org).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!("org '{org}' not found"))),
    }
}

/// An org's function ceilings (provider only).
#[utoipa::path(get, path = "/api/provider/orgs/{org}/limits", tag = "functions", params(("org" = String, Path)),
    responses((status = 200, body = OrgLimits), (status = 404, body = ErrorBody)))]
async fn get_org_limits(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
) -> ApiResult<Json<OrgLimits>> {
    existing_org(&state, &org).await?;
    Ok(Json(state.functions.stored_org_limits(&org).await?))
}

/// Where an org's functions may send requests with `fetch()` (provider only). An org without a
/// policy may reach nothing.
#[utoipa::path(get, path = "/api/provider/orgs/{org}/egress", tag = "functions", params(("org" = String, Path)),
    responses((status = 200, body = EgressPolicy), (status = 404, body = ErrorBody)))]
async fn get_egress(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
) -> ApiResult<Json<EgressPolicy>> {
    existing_org(&state, &org).await?;
    Ok(Json(state.functions.egress_policy(&org).await?))
}

/// Sets an org's egress policy (provider only): every replica applies it to calls that start
/// from then on.
#[utoipa::path(put, path = "/api/provider/orgs/{org}/egress", tag = "functions", params(("org" = String, Path)),
    request_body = EgressPolicy,
    responses((status = 200, body = EgressPolicy), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_egress(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
    AppJson(policy): AppJson<EgressPolicy>,
) -> ApiResult<Json<EgressPolicy>> {
    existing_org(&state, &org).await?;
    Ok(Json(state.functions.set_egress_policy(&org, &policy).await?))
}

/// Sets an org's function ceilings (provider only).
#[utoipa::path(put, path = "/api/provider/orgs/{org}/limits", tag = "functions", params(("org" = String, Path)),
    request_body = OrgLimits,
    responses((status = 200, body = OrgLimits), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_org_limits(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
    AppJson(limits): AppJson<OrgLimits>,
) -> ApiResult<Json<OrgLimits>> {
    existing_org(&state, &org).await?;
    state.functions.set_org_limits(&org, limits).await?;
    Ok(Json(limits))
}
