//! Rate cards: the provider's prices and per-org overrides, each effective from a day on.

use api_types::{ErrorDetail, RateEntry, RateInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::collectors::convert::new_id;
use crate::domain::dates::{format_day, now_millis, parse_day, rfc3339_from_millis};
use crate::domain::showback::rates::{format_price, parse_price};
use crate::domain::showback::records::{check_name, is_currency};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, Provider};
use crate::state::AppState;
use crate::store::{RateRow, is_unique_violation};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rates, create_rate))
        .routes(routes!(update_rate, delete_rate))
        .routes(routes!(list_overrides, create_override))
}

fn to_api(r: &RateRow) -> RateEntry {
    RateEntry {
        id: r.rate_id.clone(),
        org: r.org.clone(),
        service: r.service.clone(),
        unit: r.unit.clone(),
        unit_price: format_price(r.unit_price_nanos),
        currency: r.currency.clone(),
        effective_from: r.effective_from.clone(),
        updated_at: rfc3339_from_millis(r.updated_at),
    }
}

/// Checks `input` into a row with a fresh id for `org`.
fn to_row(input: RateInput, org: Option<String>) -> ApiResult<RateRow> {
    let mut errors = Vec::new();
    for (field, value) in [("service", &input.service), ("unit", &input.unit)] {
        if let Err(e) = check_name(value) {
            errors.push(ErrorDetail::field(field, e));
        }
    }
    let price = parse_price(&input.unit_price).map_err(|e| errors.push(ErrorDetail::field("unit_price", e))).ok();
    if !is_currency(&input.currency) {
        errors.push(ErrorDetail::field("currency", "must be a currency code such as EUR"));
    }
    let day = parse_day(&input.effective_from).map_err(|e| errors.push(ErrorDetail::field("effective_from", e))).ok();
    ApiError::fields(errors)?;
    let now = now_millis();
    Ok(RateRow {
        rate_id: new_id("rate"),
        org,
        service: input.service.trim().to_owned(),
        unit: input.unit.trim().to_owned(),
        unit_price_nanos: price.unwrap_or(0),
        currency: input.currency,
        effective_from: day.map(format_day).unwrap_or_default(),
        created_at: now,
        updated_at: now,
    })
}

fn clash(err: sqlx::Error) -> ApiError {
    if is_unique_violation(&err) {
        ApiError::Conflict("an entry for this service, unit and effective date exists; update it instead".into())
    } else {
        err.into()
    }
}

async fn create(state: &AppState, input: RateInput, org: Option<String>) -> ApiResult<(StatusCode, Json<RateEntry>)> {
    let row = to_row(input, org)?;
    state.store.insert_rate(&row).await.map_err(clash)?;
    Ok((StatusCode::CREATED, Json(to_api(&row))))
}

async fn existing_org(state: &AppState, org: &str) -> ApiResult<()> {
    match state.store.find_org(org).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!("org '{org}' not found"))),
    }
}

/// The provider's rate card, every entry (past, current and future prices).
#[utoipa::path(get, path = "/api/provider/showback/rates", tag = "showback",
    responses((status = 200, body = Vec<RateEntry>), (status = 403, body = api_types::ErrorBody)))]
async fn list_rates(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<Vec<RateEntry>>> {
    Ok(Json(state.store.list_rates(None).await?.iter().map(to_api).collect()))
}

/// Adds a price to the provider's card, applying from `effective_from` on.
#[utoipa::path(post, path = "/api/provider/showback/rates", tag = "showback", request_body = RateInput,
    responses((status = 201, body = RateEntry), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn create_rate(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<(StatusCode, Json<RateEntry>)> {
    create(&state, input, None).await
}

/// Corrects an entry of the provider's card or of an override.
#[utoipa::path(put, path = "/api/provider/showback/rates/{id}", tag = "showback",
    params(("id" = String, Path)), request_body = RateInput,
    responses((status = 200, body = RateEntry), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn update_rate(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<Json<RateEntry>> {
    let old = state.store.find_rate(&id).await?.ok_or_else(|| ApiError::NotFound(format!("no rate '{id}'")))?;
    let row = RateRow { rate_id: old.rate_id, created_at: old.created_at, ..to_row(input, old.org)? };
    state.store.update_rate(&row).await.map_err(clash)?;
    Ok(Json(to_api(&row)))
}

/// Deletes an entry.
#[utoipa::path(delete, path = "/api/provider/showback/rates/{id}", tag = "showback",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_rate(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_rate(&id).await? {
        return Err(ApiError::NotFound(format!("no rate '{id}'")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The org's overrides of the provider's card.
#[utoipa::path(get, path = "/api/provider/orgs/{org}/showback/rates", tag = "showback",
    params(("org" = String, Path)),
    responses((status = 200, body = Vec<RateEntry>), (status = 404, body = api_types::ErrorBody)))]
async fn list_overrides(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
) -> ApiResult<Json<Vec<RateEntry>>> {
    existing_org(&state, &org).await?;
    Ok(Json(state.store.list_rates(Some(&org)).await?.iter().map(to_api).collect()))
}

/// Adds a price for this org only; it wins over the provider's card from `effective_from` on.
#[utoipa::path(post, path = "/api/provider/orgs/{org}/showback/rates", tag = "showback",
    params(("org" = String, Path)), request_body = RateInput,
    responses((status = 201, body = RateEntry), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn create_override(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<(StatusCode, Json<RateEntry>)> {
    existing_org(&state, &org).await?;
    create(&state, input, Some(org)).await
}
