//! Health, readiness and metrics.

use api_types::Health;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::extract::Provider;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).routes(routes!(metrics))
}

/// The router of the dedicated metrics listener (`--metrics-listen`): `/metrics` with no
/// credentials, for a Prometheus that scrapes a loopback or internal address.
pub fn metrics_app(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(open_metrics)).with_state(state)
}

fn health(status: &str, database: Option<String>) -> Health {
    Health { status: status.into(), version: env!("CARGO_PKG_VERSION").into(), database, replica: None }
}

/// Liveness: the process answers. Needs no credentials.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()), responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(health("ok", None))
}

/// Readiness: the replica takes traffic and its database answers. Needs no credentials.
/// `200 ok`; `200 degraded` when the replicas' cache-coherence channel is down (caches fall back
/// to a 1 s TTL); `503 draining` once the replica is stopping; `503 unavailable` when the
/// database does not answer.
#[utoipa::path(get, path = "/readyz", tag = "system", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = Some(state.store.backend().as_str().to_owned());
    let (code, status) = if state.cluster.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else if let Err(err) = state.store.ping().await {
        tracing::warn!(%err, "readiness check failed");
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    } else if !state.cluster.coherence().is_live() {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ok")
    };
    let mut body = health(status, database);
    body.replica = Some(state.cluster.id().to_owned());
    (code, Json(body))
}

/// Prometheus text exposition. Its labels name every tenant's functions, so on the API port it
/// needs the provider role; `stratus serve --metrics-listen ADDR` serves it without credentials
/// on a separate (by default loopback) address.
#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>, _provider: Provider) -> impl IntoResponse {
    open_metrics(State(state)).await
}

async fn open_metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.encode())
}
