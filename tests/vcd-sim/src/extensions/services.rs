//! Legacy AMQP extension services under `/api/admin/extension/service` (System administrators
//! only): registration with `vmext:Service` XML, the `…/service/query` records list, update,
//! delete (only once disabled) and each service's API filters. A service's namespace is unique and
//! its exchange must be a declared direct exchange ([`SimState::declare_exchange`]).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::extensions::Service;
use crate::reply::{self, escape, forbidden_xml, xml_error};
use crate::sessions::Authed;
use crate::state::{SimState, new_uuid};

const SERVICE_MEDIA_TYPE: &str = "application/vnd.vmware.admin.service+xml";
const API_FILTER_MEDIA_TYPE: &str = "application/vnd.vmware.admin.apiFilter+xml";
const RECORDS_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.query.records+xml";
const NAMESPACES: &str =
    r#"xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:vmext="http://www.vmware.com/vcloud/extension/v1.5""#;

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/api/admin/extension/service", post(register))
        .route("/api/admin/extension/service/query", get(query))
        .route("/api/admin/extension/service/{id}", get(read).put(update).delete(remove))
        .route("/api/admin/extension/service/{id}/apifilters", get(filters).post(add_filter))
        .route("/api/admin/extension/service/apifilter/{id}", get(read_filter).delete(delete_filter))
}

fn bad_request(message: &str) -> Response {
    xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

fn not_found(what: &str) -> Response {
    reply::not_found_xml(what)
}

fn media_type_is(headers: &HeaderMap, expected: &str) -> bool {
    let value = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    value.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case(expected))
}

/// What a `vmext:Service` document says.
struct ServiceDoc {
    name: String,
    namespace: String,
    enabled: bool,
    routing_key: String,
    exchange: String,
    filters: Vec<String>,
}

/// Reads a service document; `Err` is the message of the 400 to answer.
fn parse_service(body: &str) -> Result<ServiceDoc, String> {
    let doc = roxmltree::Document::parse(body).map_err(|e| format!("invalid XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Service" {
        return Err("expected a vmext:Service document".into());
    }
    let text = |name: &str| {
        root.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .map(|c| c.text().unwrap_or_default().trim().to_owned())
            .unwrap_or_default()
    };
    let filters = root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "UrlPattern")
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect();
    let service = ServiceDoc {
        name: root.attribute("name").unwrap_or_default().trim().to_owned(),
        namespace: text("Namespace"),
        enabled: text("Enabled") == "true",
        routing_key: text("RoutingKey"),
        exchange: text("Exchange"),
        filters,
    };
    if service.name.is_empty() || service.namespace.is_empty() {
        return Err("a service needs a name and a Namespace".into());
    }
    if service.routing_key.is_empty() || service.exchange.is_empty() {
        return Err("a service needs a RoutingKey and an Exchange".into());
    }
    Ok(service)
}

fn service_href(base: &str, uuid: &str) -> String {
    format!("{base}/api/admin/extension/service/{uuid}")
}

fn filter_href(base: &str, uuid: &str) -> String {
    format!("{base}/api/admin/extension/service/apifilter/{uuid}")
}

fn service_xml(base: &str, s: &Service) -> Response {
    let href = service_href(base, &s.uuid);
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><vmext:Service {NAMESPACES} name="{}" id="urn:vcloud:service:{}" href="{href}" type="{SERVICE_MEDIA_TYPE}"><Link rel="down" href="{href}/apifilters" type="{RECORDS_MEDIA_TYPE}"/><Link rel="add" href="{href}/apifilters" type="{API_FILTER_MEDIA_TYPE}"/><vmext:Namespace>{}</vmext:Namespace><vmext:Enabled>{}</vmext:Enabled><vmext:RoutingKey>{}</vmext:RoutingKey><vmext:Exchange>{}</vmext:Exchange></vmext:Service>"#,
        escape(&s.name),
        s.uuid,
        escape(&s.namespace),
        s.enabled,
        escape(&s.routing_key),
        escape(&s.exchange)
    );
    reply::xml(StatusCode::OK, SERVICE_MEDIA_TYPE, body)
}

fn filter_xml(status: StatusCode, base: &str, service_uuid: &str, uuid: &str, pattern: &str) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><vmext:ApiFilter {NAMESPACES} id="urn:vcloud:apifilter:{uuid}" href="{}" type="{API_FILTER_MEDIA_TYPE}"><Link rel="up" href="{}" type="{SERVICE_MEDIA_TYPE}"/><Link rel="remove" href="{}"/><vmext:UrlPattern>{}</vmext:UrlPattern></vmext:ApiFilter>"#,
        filter_href(base, uuid),
        service_href(base, service_uuid),
        filter_href(base, uuid),
        escape(pattern)
    );
    reply::xml(status, API_FILTER_MEDIA_TYPE, body)
}

fn records(base: &str, path: &str, element: &str, rows: Vec<Vec<(&str, String)>>) -> Response {
    let mut body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><QueryResultRecords {NAMESPACES} page="1" pageSize="128" total="{}" href="{base}{path}" type="{RECORDS_MEDIA_TYPE}">"#,
        rows.len()
    );
    for row in rows {
        body.push('<');
        body.push_str(element);
        for (key, value) in row {
            body.push_str(&format!(r#" {key}="{}""#, escape(&value)));
        }
        body.push_str("/>");
    }
    body.push_str("</QueryResultRecords>");
    reply::xml(StatusCode::OK, RECORDS_MEDIA_TYPE, body)
}

async fn register(
    State(state): State<SimState>,
    Authed(session): Authed,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    if !media_type_is(&headers, SERVICE_MEDIA_TYPE) {
        return xml_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "expected a service document");
    }
    let doc = match parse_service(&body) {
        Ok(doc) => doc,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let ext = &mut world.extensions;
    if ext.services.iter().any(|s| s.namespace == doc.namespace) {
        return bad_request(&format!("an extension service with namespace {} already exists", doc.namespace));
    }
    if !ext.exchanges.contains(&doc.exchange) {
        return bad_request(&format!(
            "exchange {} is not declared as a direct exchange on the AMQP broker",
            doc.exchange
        ));
    }
    let service = Service {
        uuid: new_uuid(),
        name: doc.name,
        namespace: doc.namespace,
        exchange: doc.exchange,
        routing_key: doc.routing_key,
        enabled: doc.enabled,
        filters: doc.filters.into_iter().map(|pattern| (new_uuid(), pattern)).collect(),
    };
    let mut response = service_xml(state.base_url(), &service);
    *response.status_mut() = StatusCode::CREATED;
    ext.services.push(service);
    response
}

async fn query(State(state): State<SimState>, Authed(session): Authed) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let base = state.base_url();
    let world = state.world();
    let rows = world
        .extensions
        .services
        .iter()
        .map(|s| {
            vec![
                ("name", s.name.clone()),
                ("namespace", s.namespace.clone()),
                ("vendor", String::new()),
                ("routingKey", s.routing_key.clone()),
                ("exchange", s.exchange.clone()),
                ("enabled", s.enabled.to_string()),
                ("priority", "0".into()),
                ("isAuthorizationEnabled", "false".into()),
                ("href", service_href(base, &s.uuid)),
            ]
        })
        .collect();
    records(base, "/api/admin/extension/service/query", "AdminServiceRecord", rows)
}

async fn read(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let world = state.world();
    match world.extensions.services.iter().find(|s| s.uuid == id) {
        Some(service) => service_xml(state.base_url(), service),
        None => not_found("extension service"),
    }
}

/// Replaces `Enabled`, `RoutingKey` and `Exchange`; name and namespace stay.
async fn update(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    if !media_type_is(&headers, SERVICE_MEDIA_TYPE) {
        return xml_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "expected a service document");
    }
    let doc = match parse_service(&body) {
        Ok(doc) => doc,
        Err(message) => return bad_request(&message),
    };
    let mut world = state.world();
    let ext = &mut world.extensions;
    if !ext.exchanges.contains(&doc.exchange) {
        return bad_request(&format!(
            "exchange {} is not declared as a direct exchange on the AMQP broker",
            doc.exchange
        ));
    }
    let Some(service) = ext.services.iter_mut().find(|s| s.uuid == id) else {
        return not_found("extension service");
    };
    if service.namespace != doc.namespace {
        return bad_request("the namespace of an extension service cannot change");
    }
    service.enabled = doc.enabled;
    service.routing_key = doc.routing_key;
    service.exchange = doc.exchange;
    service_xml(state.base_url(), service)
}

async fn remove(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let mut world = state.world();
    let services = &mut world.extensions.services;
    let Some(index) = services.iter().position(|s| s.uuid == id) else { return not_found("extension service") };
    if services[index].enabled {
        return bad_request("an extension service must be disabled before it is deleted");
    }
    services.remove(index);
    StatusCode::NO_CONTENT.into_response()
}

async fn filters(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let base = state.base_url();
    let world = state.world();
    let Some(service) = world.extensions.services.iter().find(|s| s.uuid == id) else {
        return not_found("extension service");
    };
    let rows = service
        .filters
        .iter()
        .map(|(uuid, pattern)| {
            vec![
                ("href", filter_href(base, uuid)),
                ("urlPattern", pattern.clone()),
                ("service", service_href(base, &service.uuid)),
            ]
        })
        .collect();
    records(base, &format!("/api/admin/extension/service/{id}/apifilters"), "ApiFilterRecord", rows)
}

async fn add_filter(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    if !media_type_is(&headers, API_FILTER_MEDIA_TYPE) {
        return xml_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "expected an API filter");
    }
    let pattern = roxmltree::Document::parse(&body).ok().and_then(|doc| {
        let root = doc.root_element();
        let pattern = root.children().find(|c| c.is_element() && c.tag_name().name() == "UrlPattern")?;
        (root.tag_name().name() == "ApiFilter").then(|| pattern.text().unwrap_or_default().trim().to_owned())
    });
    let Some(pattern) = pattern.filter(|p| !p.is_empty()) else {
        return bad_request("expected a vmext:ApiFilter with a UrlPattern");
    };
    let mut world = state.world();
    let Some(service) = world.extensions.services.iter_mut().find(|s| s.uuid == id) else {
        return not_found("extension service");
    };
    let uuid = new_uuid();
    service.filters.push((uuid.clone(), pattern.clone()));
    filter_xml(StatusCode::CREATED, state.base_url(), &id, &uuid, &pattern)
}

async fn read_filter(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let world = state.world();
    let found = world
        .extensions
        .services
        .iter()
        .find_map(|s| s.filters.iter().find(|(uuid, _)| *uuid == id).map(|(_, pattern)| (s.uuid.clone(), pattern)));
    match found {
        Some((service, pattern)) => filter_xml(StatusCode::OK, state.base_url(), &service, &id, pattern),
        None => not_found("API filter"),
    }
}

async fn delete_filter(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    if !session.is_provider() {
        return forbidden_xml();
    }
    let mut world = state.world();
    for service in &mut world.extensions.services {
        let before = service.filters.len();
        service.filters.retain(|(uuid, _)| *uuid != id);
        if service.filters.len() != before {
            return StatusCode::NO_CONTENT.into_response();
        }
    }
    not_found("API filter")
}
