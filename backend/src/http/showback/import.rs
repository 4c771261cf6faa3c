//! `POST /api/provider/showback/import`: a CSV or JSON usage file in the request body.
//!
//! The body is spooled to a temporary file as it arrives and then imported in two streaming
//! passes, so memory stays bounded however large the file is.

use api_types::ImportResult;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use http_body_util::BodyExt as _;
use serde::Deserialize;
use stratus_core::showback::collectors::files::Format;
use stratus_core::showback::collectors::import::ImportOptions;
use tokio::io::AsyncWriteExt as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, Provider};
use crate::state::AppState;

/// Largest usage file the endpoint accepts.
pub const MAX_IMPORT_BYTES: u64 = 1024 * 1024 * 1024;

/// Default `source` of imported records.
pub const DEFAULT_SOURCE: &str = "import";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_usage))
}

/// Query of the import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportParams {
    /// Import the good rows of a file that has bad ones (default false: reject the file).
    skip_invalid: Option<bool>,
    /// Stored as the records' `source` (default `import`); part of each record's key.
    #[param(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    source: Option<String>,
}

/// Imports usage records (`text/csv` or `application/json`, JSON lines too). Idempotent: rows
/// are keyed by (source, org, date, service, resource), so importing a file again reports every
/// row `unchanged`; a changed row replaces the stored one and counts as `replaced`.
#[utoipa::path(post, path = "/api/provider/showback/import", tag = "showback", params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "CSV `date,org,service,resource,quantity,unit,cost,currency`, or the same fields as JSON"),
    responses((status = 200, body = ImportResult), (status = 403, body = api_types::ErrorBody),
              (status = 413, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn import_usage(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(params): AppQuery<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ImportResult>> {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = Format::from_content_type(content_type).ok_or_else(|| {
        ApiError::BadRequest(format!("content-type '{content_type}' is neither text/csv nor application/json"))
    })?;
    let spool = spool(body).await?;
    let options = ImportOptions {
        source: params.source.unwrap_or_else(|| DEFAULT_SOURCE.to_owned()),
        skip_invalid: params.skip_invalid.unwrap_or(false),
    };
    Ok(Json(state.showback.import(&spool, format, &options).await?))
}

/// Writes the body to a temporary file that is deleted when dropped.
async fn spool(mut body: Body) -> ApiResult<tempfile::TempPath> {
    let internal = |e: std::io::Error| ApiError::Internal(format!("spooling an import: {e}"));
    let path = tempfile::NamedTempFile::new().map_err(internal)?.into_temp_path();
    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(&path).await.map_err(internal)?);
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        total += data.len() as u64;
        if total > MAX_IMPORT_BYTES {
            return Err(ApiError::PayloadTooLarge(format!("imports are limited to {MAX_IMPORT_BYTES} bytes")));
        }
        file.write_all(&data).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    Ok(path)
}
