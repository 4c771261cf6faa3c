//! `GET /api/org/{org}/showback/export.csv`: the org's records in the import format.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::dates::format_day;
use crate::domain::showback::DayRange;
use crate::domain::showback::records::{FIELDS, format_exact};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_csv))
}

/// Query of the export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// First day, `YYYY-MM-DD`; default: the first of `to`'s month.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day, inclusive; default: today (UTC).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
}

/// Quotes a CSV field when it needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The org's usage records between `from` and `to` as CSV (`date,org,service,resource,quantity,
/// unit,cost,currency`, exact decimals), ready for `stratus showback import`.
#[utoipa::path(get, path = "/api/org/{org}/showback/export.csv", tag = "showback",
    params(("org" = String, Path), ExportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn export_csv(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(params): AppQuery<ExportParams>,
) -> ApiResult<Response> {
    let today = chrono::Utc::now().date_naive();
    let range = DayRange::parse(params.from.as_deref(), params.to.as_deref(), today)
        .map_err(|(field, reason)| ApiError::field(field, reason))?;
    let (from, to) = (format_day(range.from), format_day(range.to));
    let records = state.store.usage_records(&scope.org, &from, &to).await?;
    let mut csv = String::with_capacity(64 * (records.len() + 1));
    csv.push_str(&FIELDS.join(","));
    csv.push('\n');
    for r in &records {
        let row = [
            field(&r.day),
            field(&r.org),
            field(&r.service),
            field(&r.resource),
            format_exact(r.quantity_micros),
            field(&r.unit),
            format_exact(r.cost_micros),
            field(&r.currency),
        ];
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let disposition = format!("attachment; filename=\"showback-{}-{from}-{to}.csv\"", scope.org);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        csv,
    )
        .into_response())
}
