//! The OpenAPI 3.1 document, assembled from the `#[utoipa::path]` of every routed handler.

use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

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
        (name = "packages", description = "Content packages moved between instances"),
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
        // vCD auth mode also reads the caller's vCD session token from these headers (the
        // app's own one first), each checked with vCD's `sessions/current`.
        let headers = [
            (
                "vcdAppToken",
                api_types::VCD_TOKEN_HEADER,
                "vCD auth mode: the bare vCD token the app sends itself; read first",
            ),
            ("vcdLegacyToken", "x-vcloud-authorization", "vCD auth mode: a legacy vCD session token"),
        ];
        for (name, header, description) in headers {
            let key = ApiKeyValue::with_description(header, description);
            components.add_security_scheme(name, SecurityScheme::ApiKey(ApiKey::Header(key)));
        }
    }
}

/// Documents, on every operation of the assembled document, the error answers the shared
/// machinery can give besides those its handler lists (see `http::error`):
///
/// | status | when | given by |
/// | --- | --- | --- |
/// | 400 `bad_request` | an operation with parameters or a body | malformed JSON, query or path |
/// | 401 `unauthorized` | every operation that needs credentials | missing/invalid/revoked token |
/// | 403 `forbidden` | the same | a role that may not do this (tenant on a provider API, vCD role) |
/// | 404 `not_found` | an operation with path parameters | no such thing, or another tenant's |
/// | 413 `payload_too_large` | an operation with a body | a body over `MAX_BODY_BYTES` |
/// | 422 `validation_failed` | an operation with query parameters or a body | field-level details |
/// | 503 `unavailable` | every operation that needs credentials | the database does not answer |
pub fn document_errors(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            document_operation_errors(operation);
        }
    }
}

fn document_operation_errors(operation: &mut Operation) {
    let public = operation.security.as_ref().is_some_and(|s| s.iter().any(|r| *r == SecurityRequirement::default()));
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let has_body = operation.request_body.is_some();
    let mut add = |status: &str, description: &str, applies: bool| {
        if applies && !operation.responses.responses.contains_key(status) {
            operation.responses.responses.insert(status.to_owned(), error_response(description));
        }
    };
    add(
        "400",
        "The request could not be read: malformed JSON, query string or path.",
        has_path || has_query || has_body,
    );
    add("401", "Missing, invalid, expired or revoked credentials.", !public);
    add("403", "The caller's role may not do this.", !public);
    add("404", "No such resource, or not visible to this caller.", has_path);
    add("413", "The body is larger than the API accepts.", has_body);
    add("422", "The request was read but fields are invalid; `details` names each.", has_query || has_body);
    add("503", "A dependency (the database) does not answer.", !public);
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// Links for clients and stateful fuzzers: each answer of a function call (2xx) leads to its
/// invocation record, through the `x-stratus-invocation-id` header. Written into the JSON
/// document, since utoipa 5.5 serializes a link's `operationId` as `operation_id`.
fn document_links(doc: &mut serde_json::Value) {
    let link = serde_json::json!({
        "operationId": "get_invocation",
        "parameters": {
            "org": "$request.path.org",
            "id": format!("$response.header.{}", crate::http::error::INVOCATION_HEADER),
        },
        "description": "The invocation record of this call",
    });
    let Some(gateway) = doc.pointer_mut("/paths/~1api~1org~1{org}~1{route}").and_then(|v| v.as_object_mut()) else {
        return;
    };
    for operation in gateway.values_mut() {
        let Some(responses) = operation.get_mut("responses").and_then(|r| r.as_object_mut()) else { continue };
        for (_, response) in responses.iter_mut().filter(|(status, _)| status.starts_with('2')) {
            response["links"] = serde_json::json!({ "GetInvocation": link.clone() });
        }
    }
}

/// Serves the generated document.
pub fn router(spec: &OpenApi) -> axum::Router<AppState> {
    let mut doc = serde_json::to_value(spec).unwrap_or_default();
    document_links(&mut doc);
    let doc = Arc::new(doc);
    axum::Router::new().route("/api/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
}
