//! A stateful simulator of the VMware Cloud Director API subset Stratus uses: sessions, the
//! query service, vApps and VMs, tasks, NSX-V edge pools and NSX-T ALB pools, with vCD's paths,
//! media types and payload shapes. It lives in the test tree and is never part of the shipped
//! runtime; tests drive it through [`Simulator`] and [`SimState`], other processes through the
//! `/_sim` routes.

mod control;
mod extensions;
mod nsxt;
mod nsxv;
mod orgs;
mod query;
mod reply;
mod seed;
mod sessions;
mod state;
mod tasks;
mod tls;
mod vapp;
mod versions;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::task::JoinHandle;

pub use crate::extensions::{DEFAULT_EXCHANGE, SimApiFilter, SimExtensionService, SimExternalEndpoint, SimUiPlugin};
pub use crate::reply::API_VERSION;
pub use crate::state::{DEFAULT_TASK_DURATION, RequestRecord, SimState, SimVm, TaskKind, unix_nanos};
pub use crate::tls::TlsEndpoint;
pub use crate::versions::DEFAULT_VERSIONS;

/// Every seeded user's password.
pub const PASSWORD: &str = "admin";

/// The simulator's one router.
pub fn router(state: SimState) -> Router {
    Router::new()
        .merge(sessions::router())
        .merge(query::router())
        .merge(vapp::router())
        .merge(tasks::router())
        .merge(nsxv::router())
        .merge(nsxt::router())
        .merge(extensions::router())
        .merge(orgs::router())
        .merge(versions::router())
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), log_and_check_version))
        .merge(control::router())
        .with_state(state)
}

/// Logs the request and, like vCD, refuses `/api` and `/cloudapi` calls without an API version,
/// with one the cell does not list, or with one older than the call's endpoint.
async fn log_and_check_version(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let accept = request.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let version = versions::requested(accept).map(str::to_owned);
    state.requests().push(RequestRecord {
        method: request.method().to_string(),
        path: path.clone(),
        query: request.uri().query().map(str::to_owned),
        at_unix_nanos: state::unix_nanos(),
        api_version: version.clone(),
    });
    let versioned = (path.starts_with("/api/") && path != "/api/versions") || path.starts_with("/cloudapi/1.0.0/");
    if versioned {
        let refusal = match &version {
            None => Some("The request has invalid accept header: Invalid API version requested".to_owned()),
            Some(version) => versions::refusal(&state, &path, version),
        };
        if let Some(message) = refusal {
            return versions::not_acceptable(&path, &message);
        }
    }
    next.run(request).await
}

async fn fallback() -> Response {
    reply::not_found_xml("resource")
}

/// A running simulator on a local port; stops when dropped.
#[derive(Debug)]
pub struct Simulator {
    url: String,
    state: SimState,
    server: JoinHandle<()>,
}

impl Simulator {
    /// Starts a freshly seeded simulator on `127.0.0.1:0`.
    pub async fn start() -> Simulator {
        Simulator::start_on("127.0.0.1:0").await.expect("the simulator binds a local port")
    }

    pub async fn start_on(addr: &str) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = SimState::new(&url);
        let app = router(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Simulator { url, state, server })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Waits until the server stops (for the binary).
    pub async fn serve_forever(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}
