//! The OpenAPI 3.1 document, assembled from the `#[utoipa::path]` of every routed handler.

use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Stratus API", description = "Functions, autoscale and showback for VMware Cloud Director tenants"),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "system", description = "Health, readiness, metrics"),
        (name = "orgs", description = "Orgs and the caller's identity"),
        (name = "functions", description = "Tenant functions"),
        (name = "autoscale", description = "Autoscale rules"),
        (name = "showback", description = "Costs and budgets"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Serves the generated document.
pub fn router(spec: Arc<OpenApi>) -> axum::Router<AppState> {
    axum::Router::new().route("/api/openapi.json", get(move || async move { Json(spec.as_ref().clone()) }))
}
