//! Runs a decoded request through the one Router, as the caller vCD authenticated.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;

use crate::host::amqp::identity;
use crate::host::amqp::message::{ExtReply, ExtRequest, router_uri};
use crate::http::error::ApiError;
use stratus_core::org_directory::OrgDirectory;

/// The largest response body relayed to vCD.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Request headers never passed on: the identity comes from the security context, and the
/// caller's vCD credentials must not reach handlers or function code.
const DROPPED_HEADERS: [&str; 6] =
    ["authorization", "x-vcloud-authorization", "cookie", "content-length", "transfer-encoding", "connection"];

/// The Router and how to name the caller's org.
#[derive(Clone)]
pub struct Dispatcher {
    router: Router,
    orgs: Arc<dyn OrgDirectory>,
}

impl Dispatcher {
    pub fn new(router: Router, orgs: Arc<dyn OrgDirectory>) -> Self {
        Self { router, orgs }
    }

    /// The Router's answer to `request`, or an error in the API's format.
    pub async fn answer(&self, request: ExtRequest) -> ExtReply {
        let id = request.id.clone();
        match self.build(request).await {
            Ok(http_request) => {
                // On its own task, so a handler that panics costs a 500, not the delivery.
                let router = self.router.clone();
                match tokio::spawn(async move { router.oneshot(http_request).await }).await {
                    Ok(Ok(response)) => reply(id, response).await,
                    Ok(Err(never)) => match never {},
                    Err(err) => {
                        tracing::error!(%id, %err, "the Router failed on an AMQP request");
                        error_reply(id, ApiError::Internal("the request failed".into())).await
                    }
                }
            }
            Err(err) => error_reply(id, err).await,
        }
    }

    async fn build(&self, request: ExtRequest) -> Result<Request<Body>, ApiError> {
        let uri = router_uri(&request.request_uri, request.query_string.as_deref()).ok_or_else(|| {
            ApiError::NotFound(format!("'{}' is not under {}", request.request_uri, super::message::VCD_PREFIX))
        })?;
        let method = Method::from_bytes(request.method.as_bytes())
            .map_err(|_| ApiError::BadRequest(format!("'{}' is not an HTTP method", request.method)))?;
        let org_name = self
            .orgs
            .org_name(&request.context.org)
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?
            .ok_or_else(|| ApiError::Forbidden(format!("org '{}' is not known to Stratus", request.context.org)))?;
        let principal = identity::principal(&request.context, &org_name);
        let mut builder = Request::builder().method(method).uri(&uri);
        for (name, value) in &request.headers {
            let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            else {
                tracing::debug!(header = %name, "skipping a header that is not valid HTTP");
                continue;
            };
            if !DROPPED_HEADERS.contains(&name.as_str()) {
                builder = builder.header(name, value);
            }
        }
        let mut http_request = builder
            .body(Body::from(request.body))
            .map_err(|e| ApiError::BadRequest(format!("'{uri}' is not a valid request: {e}")))?;
        http_request.extensions_mut().insert(principal);
        Ok(http_request)
    }
}

/// A reply carrying an [`ApiError`] rendered exactly as the HTTP edge renders it.
pub async fn error_reply(id: String, err: ApiError) -> ExtReply {
    reply(id, err.into_response()).await
}

async fn reply(id: String, response: Response) -> ExtReply {
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await {
        Ok(bytes) => bytes.to_vec(),
        Err(err) => {
            tracing::error!(%id, %err, "could not read the Router's response body");
            return Box::pin(error_reply(id, ApiError::Internal("unreadable response body".into()))).await;
        }
    };
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    ExtReply { id, status: parts.status.as_u16(), headers, body }
}

#[cfg(test)]
mod tests {
    use axum::Extension;
    use axum::http::HeaderMap;
    use axum::routing::get;

    use super::*;
    use crate::host::amqp::message::SecurityContext;
    use stratus_core::org_directory::StaticOrgs;
    use stratus_core::tenancy::Principal;

    async fn boom() -> &'static str {
        panic!("a handler bug")
    }

    fn dispatcher() -> Dispatcher {
        let router = Router::new()
            .route(
                "/api/who",
                get(|Extension(p): Extension<Principal>, headers: HeaderMap, uri: axum::http::Uri| async move {
                    let auth = headers.contains_key("authorization") || headers.contains_key("x-vcloud-authorization");
                    format!("{:?} {:?} {} auth={auth} accept={:?}", p.role, p.org, uri, headers.get("accept"))
                }),
            )
            .route("/api/panic", get(boom));
        let orgs = StaticOrgs::parse(&["urn:vcloud:org:a=acme", "urn:vcloud:org:s=System"]).unwrap();
        Dispatcher::new(router, Arc::new(orgs))
    }

    fn request(uri: &str, org: &str) -> ExtRequest {
        ExtRequest {
            id: "m1".into(),
            method: "GET".into(),
            request_uri: uri.into(),
            query_string: Some("x=1".into()),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Bearer vcd-jwt".into()),
                ("x-vcloud-authorization".into(), "legacy".into()),
                ("Bad Header".into(), "ignored".into()),
            ],
            body: Vec::new(),
            context: SecurityContext { user: "urn:vcloud:user:u".into(), org: org.into(), rights: vec![] },
        }
    }

    #[tokio::test]
    async fn the_caller_comes_from_the_security_context_and_vcd_credentials_are_dropped() {
        let reply = dispatcher().answer(request("/api/stratus/who", "urn:vcloud:org:a")).await;
        assert_eq!((reply.id.as_str(), reply.status), ("m1", 200));
        let body = String::from_utf8(reply.body).unwrap();
        assert_eq!(body, "TenantAdmin Some(\"acme\") /api/who?x=1 auth=false accept=Some(\"application/json\")");
        let provider = dispatcher().answer(request("/api/stratus/who", "urn:vcloud:org:s")).await;
        assert!(String::from_utf8(provider.body).unwrap().starts_with("Provider None"));
    }

    #[tokio::test]
    async fn unknown_orgs_paths_outside_the_prefix_and_panics_are_answered_with_api_errors() {
        let code = |reply: &ExtReply| {
            let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            (reply.status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
        };
        let stranger = dispatcher().answer(request("/api/stratus/who", "urn:vcloud:org:zzz")).await;
        assert_eq!(code(&stranger), (403, "forbidden".into()));
        let outside = dispatcher().answer(request("/api/who", "urn:vcloud:org:a")).await;
        assert_eq!(code(&outside), (404, "not_found".into()));
        let bad_method = ExtRequest { method: "G E T".into(), ..request("/api/stratus/who", "a") };
        let bad_method = dispatcher().answer(bad_method).await;
        assert_eq!(code(&bad_method), (400, "bad_request".into()));
        let panicked = dispatcher().answer(request("/api/stratus/panic", "urn:vcloud:org:a")).await;
        assert_eq!(code(&panicked), (500, "internal".into()));
        assert!(panicked.headers.iter().any(|(n, v)| n == "content-type" && v == "application/json"));
    }
}
