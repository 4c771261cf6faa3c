//! Extractors: who is calling, which org they act in, and JSON/query with our error format.

use std::collections::HashMap;

use api_types::{ErrorDetail, OrgLimits};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::http::error::ApiError;
use crate::state::AppState;
use stratus_core::auth::Credentials;
use stratus_core::tenancy::Principal;

/// JSON body whose rejections use the API's error format. Every body of the API is a JSON
/// object: anything else is refused before serde could read an array as a struct's fields.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            let detail = ErrorDetail { field: None, line: None, reason: "the body must be a JSON object".into() };
            return Err(ApiError::Validation {
                message: "the body must be a JSON object".into(),
                details: vec![detail],
            });
        }
        let body = serde_path_to_error::deserialize(value).map_err(|err| {
            let reason = format!("Failed to deserialize the JSON body into the target type: {err}");
            let field = err.path().to_string();
            let field = (field != ".").then_some(field);
            ApiError::Validation { message: reason.clone(), details: vec![ErrorDetail { field, line: None, reason }] }
        })?;
        Ok(AppJson(body))
    }
}

/// Query string whose rejections use the API's error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

/// Path parameters whose rejections (a number out of range) use the API's error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

/// Any authenticated caller.
pub struct Caller(pub Principal);

/// A caller with the provider role.
pub struct Provider(pub Principal);

/// A caller acting inside the `{org}` of the path, which exists and which they may see.
pub struct OrgScope {
    pub org: String,
    pub caller: Principal,
    /// The org's function ceilings, read with the org (a call does not read them again).
    pub limits: OrgLimits,
}

/// A list's `limit` query parameter: `default` when absent, else 1 to `max` (422 otherwise).
pub fn list_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field("limit", format!("must be between 1 and {max}"))),
    }
}

/// The token of a `Bearer <token>` value (the scheme in any case).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Reads the credentials a request carries.
pub fn credentials(headers: &HeaderMap) -> Credentials {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).map(str::to_owned);
    let bearer = text("authorization").and_then(|v| bearer_token(&v).map(str::to_owned));
    Credentials {
        bearer,
        vcloud_token: text("x-vcloud-authorization"),
        // The bare token; a `Bearer ` prefix is tolerated.
        app_vcd_token: text(api_types::VCD_TOKEN_HEADER).map(|t| bearer_token(&t).unwrap_or(&t).to_owned()),
        tenant_context: text("x-vmware-vcloud-tenant-context"),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            // A host that authenticated the caller itself (the AMQP bridge) put it here.
            return Ok(Caller(principal.clone()));
        }
        let creds = credentials(&parts.headers);
        let principal = state.auth.authenticate(&creds).await?;
        Ok(Caller(principal))
    }
}

impl FromRequestParts<AppState> for Provider {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(principal) = Caller::from_request_parts(parts, state).await?;
        if !principal.is_provider() {
            return Err(ApiError::Forbidden("this endpoint is for the provider role".into()));
        }
        Ok(Provider(principal))
    }
}

impl FromRequestParts<AppState> for OrgScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(caller) = Caller::from_request_parts(parts, state).await?;
        let params =
            RawPathParams::from_request_parts(parts, state).await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let params: HashMap<&str, &str> = params.iter().collect();
        let org = params.get("org").ok_or_else(|| ApiError::Internal("route has no {org} parameter".into()))?;
        let org = (*org).to_owned();
        // Another tenant's org and a missing org look the same: both are 404.
        let not_found = || ApiError::NotFound(format!("org '{org}' not found"));
        if !caller.may_access(&org) {
            return Err(not_found());
        }
        let Some(limits) = state.functions.existing_org_limits(&org).await? else {
            return Err(not_found());
        };
        Ok(OrgScope { org, caller, limits })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_and_vcd_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "bearer  abc ".parse().unwrap());
        headers.insert("x-vcloud-authorization", "legacy".parse().unwrap());
        let creds = credentials(&headers);
        assert_eq!(creds.bearer.as_deref(), Some("abc"));
        assert_eq!(creds.vcloud_token.as_deref(), Some("legacy"));
        headers.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(credentials(&headers).bearer, None);
    }
}
