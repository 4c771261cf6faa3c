//! The HTTP edge: thin handlers, extractors, the one error type, OpenAPI and metrics.
//!
//! Each feature module exposes `router() -> OpenApiRouter<AppState>`; [`app`] merges them, so the
//! OpenAPI document at `/api/openapi.json` is generated from the same route table that serves
//! requests.

mod autoscale;
mod cors;
pub mod error;
pub mod extract;
mod function_events;
mod function_keys;
pub(crate) mod functions;
mod gateway;
mod openapi;
mod orgs;
mod package_sources;
mod packages;
mod provider_packages;
mod showback;
mod svg;
mod system;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub use error::{ApiError, ApiResult};
pub use system::metrics_app;

/// Largest request body any JSON endpoint accepts.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The one Router: the server, Lambda and the tests all serve exactly this.
pub fn app(state: AppState) -> Router {
    let (api, mut spec) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(system::router())
        .merge(orgs::router())
        .merge(autoscale::router())
        .merge(showback::router())
        .merge(functions::router())
        .merge(function_events::router())
        .merge(function_keys::router())
        .merge(packages::router())
        .merge(package_sources::router())
        .merge(provider_packages::router())
        .merge(gateway::router())
        .split_for_parts();
    openapi::document_errors(&mut spec);
    let cors = cors::layer(&state.config.cors_origins);
    let router = api
        .merge(openapi::router(&spec))
        .route_layer(axum::middleware::from_fn_with_state(state.metrics.clone(), crate::metrics::track))
        .merge(web::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    // Outermost, so that preflight requests are answered before routing.
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}
