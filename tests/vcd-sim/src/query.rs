//! The query service (`GET /api/query?type=…&format=records`) for organizations, vApp templates
//! and vApps, and vApp template documents. Admin types are for provider sessions only; plain
//! types answer within the session's org.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use crate::reply::{self, escape, forbidden_xml, not_found_xml, uuid_in, xml_error};
use crate::sessions::Authed;
use crate::state::{Session, SimState, World};

const RECORDS_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.query.records+xml";

pub(crate) fn router() -> Router<SimState> {
    Router::new().route("/api/query", get(query)).route("/api/vAppTemplate/{id}", get(template))
}

type Record = Vec<(&'static str, String)>;

async fn query(
    State(state): State<SimState>,
    Authed(session): Authed,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let kind = params.get("type").map(String::as_str).unwrap_or_default();
    if params.get("format").is_some_and(|f| f != "records") {
        return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the simulator answers format=records only");
    }
    let (element, admin) = match kind {
        "organization" => ("OrgRecord", false),
        "adminVAppTemplate" => ("AdminVAppTemplateRecord", true),
        "vAppTemplate" => ("VAppTemplateRecord", false),
        "adminVApp" => ("AdminVAppRecord", true),
        "vApp" => ("VAppRecord", false),
        _ => return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("Unknown query type: {kind}")),
    };
    if admin && !session.is_provider() {
        return forbidden_xml();
    }
    let base = state.base_url().to_owned();
    let world = state.world();
    let mut records = records(&world, &session, kind, &base);
    if let Some(filter) = params.get("filter") {
        let conditions: Vec<(&str, &str)> = filter.split(';').filter_map(|c| c.split_once("==")).collect();
        records.retain(|r| conditions.iter().all(|(key, value)| r.iter().any(|(k, v)| k == key && v == value)));
    }
    let number = |key: &str, default: usize| params.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let page_size = number("pageSize", 25).clamp(1, 128);
    let page = number("page", 1).max(1);
    let total = records.len();
    let mut body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" name="{kind}" page="{page}" pageSize="{page_size}" total="{total}" href="{}" type="{RECORDS_MEDIA_TYPE}">"#,
        escape(&page_href(&base, kind, page, page_size, params.get("filter")))
    );
    if page * page_size < total {
        let next = page_href(&base, kind, page + 1, page_size, params.get("filter"));
        body.push_str(&format!(r#"<Link rel="nextPage" href="{}" type="{RECORDS_MEDIA_TYPE}"/>"#, escape(&next)));
    }
    for record in records.iter().skip((page - 1) * page_size).take(page_size) {
        body.push('<');
        body.push_str(element);
        for (key, value) in record {
            body.push_str(&format!(r#" {key}="{}""#, escape(value)));
        }
        body.push_str("/>");
    }
    body.push_str("</QueryResultRecords>");
    reply::xml(StatusCode::OK, RECORDS_MEDIA_TYPE, body)
}

fn page_href(base: &str, kind: &str, page: usize, page_size: usize, filter: Option<&String>) -> String {
    let filter = filter.map(|f| format!("&filter={}", f.replace('%', "%25").replace('&', "%26"))).unwrap_or_default();
    format!("{base}/api/query?type={kind}&format=records&page={page}&pageSize={page_size}{filter}")
}

fn records(world: &World, session: &Session, kind: &str, base: &str) -> Vec<Record> {
    let org_href = |name: &str| world.org(name).map(|o| format!("{base}/api/org/{}", o.id)).unwrap_or_default();
    let vdc = |name: &str| world.org(name).map(|o| (format!("{base}/api/vdc/{}", o.vdc_id), format!("{}-vdc", o.name)));
    match kind {
        "organization" => world
            .orgs
            .iter()
            .filter(|o| !o.name.eq_ignore_ascii_case("System") && session.sees(&o.name))
            .map(|o| {
                vec![
                    ("name", o.name.clone()),
                    ("displayName", o.name.clone()),
                    ("href", org_href(&o.name)),
                    ("isEnabled", "true".into()),
                ]
            })
            .collect(),
        "adminVAppTemplate" | "vAppTemplate" => world
            .templates
            .iter()
            .filter(|t| session.sees(&t.org))
            .map(|t| {
                let (vdc_href, vdc_name) = vdc(&t.org).unwrap_or_default();
                vec![
                    ("name", t.name.clone()),
                    ("href", format!("{base}/api/vAppTemplate/vappTemplate-{}", t.id)),
                    ("org", org_href(&t.org)),
                    ("vdc", vdc_href),
                    ("vdcName", vdc_name),
                    ("catalogName", "templates".into()),
                    ("status", "RESOLVED".into()),
                    ("isExpired", "false".into()),
                    ("isDeployed", "false".into()),
                    ("ownerName", "system".into()),
                ]
            })
            .collect(),
        _ => world
            .vapps
            .iter()
            .filter(|a| session.sees(&a.org))
            .map(|a| {
                let (vdc_href, vdc_name) = vdc(&a.org).unwrap_or_default();
                let on = a.vms.iter().any(|vm| vm.powered_on);
                vec![
                    ("name", a.name.clone()),
                    ("href", format!("{base}/api/vApp/vapp-{}", a.id)),
                    ("org", org_href(&a.org)),
                    ("vdc", vdc_href),
                    ("vdcName", vdc_name),
                    ("status", if on { "POWERED_ON" } else { "POWERED_OFF" }.into()),
                    ("isDeployed", on.to_string()),
                    ("numberOfVMs", a.vms.len().to_string()),
                    ("creationDate", a.created.to_rfc3339()),
                    ("ownerName", "admin".into()),
                ]
            })
            .collect(),
    }
}

async fn template(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let base = state.base_url().to_owned();
    let world = state.world();
    let Some(template) = world.templates.iter().find(|t| t.id == uuid_in(&id)) else {
        return not_found_xml("vApp template");
    };
    if !session.sees(&template.org) {
        return forbidden_xml();
    }
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><VAppTemplate xmlns="http://www.vmware.com/vcloud/v1.5" status="8" name="{name}" id="urn:vcloud:vapptemplate:{id}" href="{base}/api/vAppTemplate/vappTemplate-{id}" type="application/vnd.vmware.vcloud.vAppTemplate+xml"><Description/><Children><Vm status="8" name="{vm_name}" id="urn:vcloud:vm:{vm_id}" href="{base}/api/vAppTemplate/vm-{vm_id}" type="application/vnd.vmware.vcloud.vm+xml"><Description/></Vm></Children></VAppTemplate>"#,
        name = escape(&template.name),
        id = template.id,
        vm_name = escape(&template.vm_name),
        vm_id = template.vm_id,
    );
    reply::xml(StatusCode::OK, "application/vnd.vmware.vcloud.vAppTemplate+xml", body)
}
