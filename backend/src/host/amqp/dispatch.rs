//! Runs a decoded request through the one Router, as the caller vCD authenticated.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;

use crate::host::amqp::identity::{self, OrgDirectory};
use crate::host::amqp::message::{ExtReply, ExtRequest, router_uri};
use crate::http::error::ApiError;

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
                let response = match self.router.clone().oneshot(http_request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                reply(id, response).await
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
