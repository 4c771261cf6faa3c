//! The System org's trusted certificates (`/cloudapi/1.0.0/ssl/trustedCertificates`), and the
//! rule that goes with them: vCD only talks to an HTTPS `rootUrl` whose certificate (or one of
//! its chain) is trusted, so registering an external endpoint to any other is refused.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::endpoints::{bad_request, page, text};
use crate::reply::forbidden_json;
use crate::sessions::Authed;
use crate::state::{SimState, new_uuid};

/// A trusted certificate as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trusted {
    pub id: String,
    pub alias: String,
    pub pem: String,
}

pub(crate) fn router() -> Router<SimState> {
    Router::new().route("/cloudapi/1.0.0/ssl/trustedCertificates", get(list).post(create))
}

fn as_json(t: &Trusted) -> Value {
    json!({"id": t.id, "alias": t.alias, "certificate": t.pem})
}

async fn list(
    State(state): State<SimState>,
    Authed(session): Authed,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    page(state.world().extensions.trusted.iter().map(as_json).collect(), &params)
}

async fn create(State(state): State<SimState>, Authed(session): Authed, Json(body): Json<Value>) -> Response {
    if !session.is_provider() {
        return forbidden_json();
    }
    let (alias, pem) = (text(&body, "alias"), text(&body, "certificate"));
    if alias.is_empty() || !pem.starts_with("-----BEGIN CERTIFICATE-----") || vcd_client::pem_body(&pem).is_empty() {
        return bad_request("alias and a PEM certificate are required");
    }
    let mut world = state.world();
    if world.extensions.trusted.iter().any(|t| t.alias == alias) {
        return bad_request(&format!("a trusted certificate with alias {alias} already exists"));
    }
    let trusted = Trusted { id: format!("urn:vcloud:trustedCertificate:{}", new_uuid()), alias, pem };
    let body = as_json(&trusted);
    world.extensions.trusted.push(trusted);
    (StatusCode::CREATED, Json(body)).into_response()
}

/// `Ok` when the certificate `root_url` presents, or one of its chain, is trusted; else the
/// message of the 400 vCD answers.
pub(crate) async fn check_trusted(state: &SimState, root_url: &str) -> Result<(), String> {
    let url = root_url.to_owned();
    let presented = tokio::task::spawn_blocking(move || vcd_client::presented_certificates(&url))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot verify the certificate of {root_url}: {e}"))?;
    let world = state.world();
    let trusted = |pem: &String| {
        world.extensions.trusted.iter().any(|t| vcd_client::pem_body(&t.pem) == vcd_client::pem_body(pem))
    };
    if presented.iter().any(trusted) {
        Ok(())
    } else {
        Err(format!("the certificate of {root_url} is not trusted: add it to the trusted certificates first"))
    }
}

impl SimState {
    /// The trusted certificates' aliases and PEMs.
    pub fn trusted_certificates(&self) -> Vec<(String, String)> {
        self.world().extensions.trusted.iter().map(|t| (t.alias.clone(), t.pem.clone())).collect()
    }

    /// Trusts `pem` as a provider would in vCD's UI.
    pub fn trust_certificate(&self, alias: &str, pem: &str) {
        let trusted = Trusted {
            id: format!("urn:vcloud:trustedCertificate:{}", new_uuid()),
            alias: alias.into(),
            pem: pem.into(),
        };
        self.world().extensions.trusted.push(trusted);
    }
}
