//! Answers in vCD's shapes: XML entities, `<Error>` XML, cloudapi JSON errors and NSX errors.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The API version the simulator reports in its media types.
pub const API_VERSION: &str = "37.0";

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// An `/api` XML entity with its vCD media type.
pub(crate) fn xml(status: StatusCode, media_type: &str, body: String) -> Response {
    let content_type = format!("{media_type};version={API_VERSION}");
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// vCD's `<Error>` document.
pub(crate) fn xml_error(status: StatusCode, minor: &str, message: &str) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="{}" minorErrorCode="{minor}" message="{}" stackTrace=""/>"#,
        status.as_u16(),
        escape(message)
    );
    xml(status, "application/vnd.vmware.vcloud.error+xml", body)
}

/// cloudapi's JSON error.
pub(crate) fn json_error(status: StatusCode, minor: &str, message: &str) -> Response {
    let body =
        json!({"majorErrorCode": status.as_u16(), "minorErrorCode": minor, "message": message, "stackTrace": null});
    (status, axum::Json(body)).into_response()
}

/// The NSX-V proxy's error document.
pub(crate) fn nsx_error(status: StatusCode, code: u32, details: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><error><details>{}</details><errorCode>{code}</errorCode><moduleName>vShield Edge</moduleName></error>",
        escape(details)
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

pub(crate) fn not_found_xml(what: &str) -> Response {
    xml_error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", &format!("{what} not found"))
}

/// What vCD answers for an entity the session may not see.
pub(crate) fn forbidden_xml() -> Response {
    xml_error(
        StatusCode::FORBIDDEN,
        "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
        "Either you need some or all of the following rights [Base] to perform operations or the target entity is invalid.",
    )
}

pub(crate) fn forbidden_json() -> Response {
    json_error(StatusCode::FORBIDDEN, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "Access to the resource is forbidden.")
}

/// The uuid at the end of an id in a path: `vm-<uuid>`, `urn:vcloud:gateway:<uuid>`, `<uuid>`.
pub(crate) fn uuid_in(id: &str) -> &str {
    let last = id.rsplit(':').next().unwrap_or(id);
    ["vappTemplate-", "vapp-", "vm-"].iter().find_map(|p| last.strip_prefix(p)).unwrap_or(last)
}
