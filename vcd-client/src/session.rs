//! Logging in, sending calls with the session token (one fresh login on 401), and validating a
//! caller's token.

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use crate::error::from_status;
use crate::types::{CurrentSession, EntityRef};
use crate::{Family, VcdClient, VcdError};

/// The header carrying the JWT after a cloudapi login.
const ACCESS_TOKEN_HEADER: &str = "x-vmware-vcloud-access-token";
/// The legacy session header.
const LEGACY_TOKEN_HEADER: &str = "x-vcloud-authorization";

/// Which part of the API a call goes to; decides the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `/api` and the NSX-V proxy `/network`: XML.
    Xml,
    /// `/cloudapi`: JSON.
    Json,
}

/// One request, kept whole so it can be sent again after a fresh login.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: String,
    api: Api,
    query: Vec<(String, String)>,
    body: Option<(String, String)>,
}

impl Call {
    pub fn new(method: Method, api: Api, path: impl Into<String>) -> Call {
        Call { method, path: path.into(), api, query: Vec::new(), body: None }
    }

    pub fn get(api: Api, path: impl Into<String>) -> Call {
        Call::new(Method::GET, api, path)
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, content_type: &str, body: String) -> Call {
        self.body = Some((content_type.to_owned(), body));
        self
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, VcdError> {
        serde_json::from_str(&self.body).map_err(|e| VcdError::Protocol(format!("invalid JSON: {e}")))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a request authenticates.
enum Auth<'a> {
    Basic(String),
    /// A token: JWTs (longer than 32 characters) go as Bearer, older ones as `x-vcloud-authorization`.
    Token(&'a str),
}

impl VcdClient {
    /// Logs in now (calls otherwise log in on first use) and keeps the session token.
    pub async fn login(&self) -> Result<(), VcdError> {
        let mut token = self.inner.token.lock().await;
        *token = Some(self.fresh_token().await?);
        Ok(())
    }

    /// Sends a call with the session token; on 401 logs in once more and retries.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Reply, VcdError> {
        let token = self.token().await?;
        let reply = self.send(call, Auth::Token(&token)).await?;
        let reply = if reply.status == StatusCode::UNAUTHORIZED {
            let token = self.relogin(&token).await?;
            self.send(call, Auth::Token(&token)).await?
        } else {
            reply
        };
        if reply.status.is_success() { Ok(reply) } else { Err(from_status(reply.status.as_u16(), &reply.body)) }
    }

    /// Validates a caller's token by asking vCD who it belongs to.
    pub async fn current_session(&self, token: &str) -> Result<CurrentSession, VcdError> {
        let call = Call::get(Api::Json, "/cloudapi/1.0.0/sessions/current");
        let reply = self.send(&call, Auth::Token(token)).await?;
        if !reply.status.is_success() {
            return Err(from_status(reply.status.as_u16(), &reply.body));
        }
        let info: SessionInfo = reply.json()?;
        Ok(CurrentSession {
            user: info.user,
            org: info.org,
            roles: info.roles,
            session_idle_timeout_minutes: info.session_idle_timeout_minutes,
        })
    }

    async fn token(&self) -> Result<String, VcdError> {
        let mut token = self.inner.token.lock().await;
        if let Some(existing) = token.as_ref() {
            return Ok(existing.clone());
        }
        let fresh = self.fresh_token().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    /// Logs in again unless another call already replaced the stale token.
    async fn relogin(&self, stale: &str) -> Result<String, VcdError> {
        let mut token = self.inner.token.lock().await;
        if let Some(current) = token.as_ref().filter(|t| t.as_str() != stale) {
            return Ok(current.clone());
        }
        *token = None;
        let fresh = self.fresh_token().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    async fn fresh_token(&self) -> Result<String, VcdError> {
        let endpoint = &self.inner.endpoint;
        let path =
            if endpoint.is_provider() { "/cloudapi/1.0.0/sessions/provider" } else { "/cloudapi/1.0.0/sessions" };
        let credentials = format!("{}@{}:{}", endpoint.user, endpoint.org, endpoint.password);
        let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
        let reply = self.send(&Call::new(Method::POST, Api::Json, path), Auth::Basic(basic)).await?;
        if !reply.status.is_success() {
            return Err(from_status(reply.status.as_u16(), &reply.body));
        }
        reply
            .header(ACCESS_TOKEN_HEADER)
            .map(str::to_owned)
            .ok_or_else(|| VcdError::Protocol(format!("login answer has no {ACCESS_TOKEN_HEADER} header")))
    }

    async fn send(&self, call: &Call, auth: Auth<'_>) -> Result<Reply, VcdError> {
        let endpoint = &self.inner.endpoint;
        let version = self.api_version(Family::of(&call.path)).await?;
        let accept = match call.api {
            Api::Xml => format!("application/*+xml;version={version}"),
            Api::Json => format!("application/json;version={version}"),
        };
        let url = format!("{}{}", endpoint.url, call.path);
        let mut request = self.inner.http.request(call.method.clone(), url).header(ACCEPT, accept);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        request = match auth {
            Auth::Basic(encoded) => request.header(AUTHORIZATION, format!("Basic {encoded}")),
            Auth::Token(token) if token.len() > 32 => request.header(AUTHORIZATION, format!("Bearer {token}")),
            Auth::Token(token) => request.header(LEGACY_TOKEN_HEADER, token),
        };
        if let Some((content_type, body)) = &call.body {
            request = request.header(CONTENT_TYPE, content_type).body(body.clone());
        }
        let response = request.send().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        Ok(Reply { status, headers, body })
    }
}

/// `CurrentSessionInfo` as cloudapi returns it (only the fields Stratus reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    user: EntityRef,
    org: EntityRef,
    #[serde(default)]
    roles: Vec<String>,
    session_idle_timeout_minutes: Option<i64>,
}
