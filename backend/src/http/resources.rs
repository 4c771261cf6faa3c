//! The list of each org's autoscale rules.

use api_types::{AutoscaleRuleSummary, ListResponse};
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::OrgScope;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rules))
}

/// The org's autoscale rules.
#[utoipa::path(get, path = "/api/org/{org}/autoscale/rules", tag = "autoscale", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<AutoscaleRuleSummary>), (status = 404, body = api_types::ErrorBody)))]
async fn list_rules(
    State(state): State<AppState>,
    scope: OrgScope,
) -> ApiResult<Json<ListResponse<AutoscaleRuleSummary>>> {
    let rows = state.store.list_rules(&scope.org).await?;
    let items = rows
        .into_iter()
        .map(|r| AutoscaleRuleSummary {
            id: r.rule_id,
            name: r.name,
            vapp: r.vapp,
            enabled: r.enabled,
            current_vms: r.current_vms,
            min_vms: r.min_vms,
            max_vms: r.max_vms,
            last_action: r.last_action,
        })
        .collect();
    Ok(Json(ListResponse { items }))
}
