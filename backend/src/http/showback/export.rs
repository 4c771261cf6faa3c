//! `GET /api/org/{org}/showback/export.csv`: the org's records in the import format.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stratus_core::dates::format_day;
use stratus_core::showback::records::FIELDS;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::day_range;
use crate::http::error::ApiResult;
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
    let range = day_range(params.from.as_deref(), params.to.as_deref())?;
    let (from, to) = (format_day(range.from), format_day(range.to));
    let records = state.showback.export(&scope.org, range).await?;
    let mut csv = String::with_capacity(64 * (records.len() + 1));
    csv.push_str(&FIELDS.join(","));
    csv.push('\n');
    for r in &records {
        let row =
            [&r.date, &r.org, &r.service, &r.resource, &r.quantity, &r.unit, &r.cost, &r.currency].map(|f| field(f));
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
