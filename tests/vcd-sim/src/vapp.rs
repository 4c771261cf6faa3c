//! vApp and VM documents and the VM actions: recomposeVApp (add from a template VM, or delete),
//! powerOn, undeploy and delete. Each action answers 202 with a `<Task>`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::reply::{self, escape, forbidden_xml, not_found_xml, uuid_in, xml_error};
use crate::sessions::Authed;
use crate::state::{SimState, TaskKind, VApp, Vm};
use crate::tasks::{self, Effect, NewTask};

const VAPP_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.vApp+xml";
const VM_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.vm+xml";

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .route("/api/vApp/{id}", get(get_entity).delete(delete_vm))
        .route("/api/vApp/{id}/action/recomposeVApp", post(recompose))
        .route("/api/vApp/{id}/action/undeploy", post(undeploy))
        .route("/api/vApp/{id}/power/action/powerOn", post(power_on))
}

fn vm_xml(base: &str, vm: &Vm) -> String {
    let ip = vm.ip.as_deref().map(|ip| format!("<IpAddress>{}</IpAddress>", escape(ip))).unwrap_or_default();
    let status = if vm.powered_on { 4 } else { 8 };
    format!(
        concat!(
            r#"<Vm needsCustomization="false" deployed="{deployed}" status="{status}" name="{name}" id="urn:vcloud:vm:{id}" href="{base}/api/vApp/vm-{id}" type="{media}">"#,
            r#"<Description/><NetworkConnectionSection href="{base}/api/vApp/vm-{id}/networkConnectionSection/" ovf:required="false">"#,
            "<ovf:Info>Specifies the available VM network connections</ovf:Info><PrimaryNetworkConnectionIndex>0</PrimaryNetworkConnectionIndex>",
            r#"<NetworkConnection network="net1" needsCustomization="false"><NetworkConnectionIndex>0</NetworkConnectionIndex>{ip}"#,
            "<IsConnected>true</IsConnected><IpAddressAllocationMode>POOL</IpAddressAllocationMode></NetworkConnection>",
            "</NetworkConnectionSection><DateCreated>{created}</DateCreated><VAppScopedLocalId>{name}</VAppScopedLocalId></Vm>"
        ),
        deployed = vm.powered_on,
        status = status,
        name = escape(&vm.name),
        id = vm.id,
        base = base,
        media = VM_MEDIA_TYPE,
        ip = ip,
        created = vm.created.to_rfc3339(),
    )
}

const NAMESPACES: &str =
    r#"xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1""#;

fn vapp_xml(base: &str, vdc_id: &str, vapp: &VApp) -> String {
    let status = if vapp.vms.iter().any(|vm| vm.powered_on) { 4 } else { 8 };
    let children: String = vapp.vms.iter().map(|vm| vm_xml(base, vm)).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><VApp {NAMESPACES} status="{status}" name="{}" id="urn:vcloud:vapp:{id}" href="{base}/api/vApp/vapp-{id}" type="{VAPP_MEDIA_TYPE}"><Link rel="up" href="{base}/api/vdc/{vdc_id}" type="application/vnd.vmware.vcloud.vdc+xml"/><Description/><DateCreated>{}</DateCreated><Children>{children}</Children></VApp>"#,
        escape(&vapp.name),
        vapp.created.to_rfc3339(),
        id = vapp.id,
    )
}

async fn get_entity(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let base = state.base_url().to_owned();
    let world = state.world();
    let uuid = uuid_in(&id);
    if id.starts_with("vm-") {
        let Some((a, v)) = world.vm_location(uuid) else { return not_found_xml("VM") };
        if !session.sees(&world.vapps[a].org) {
            return forbidden_xml();
        }
        let body = vm_xml(&base, &world.vapps[a].vms[v]).replacen("<Vm ", &format!("<Vm {NAMESPACES} "), 1);
        return reply::xml(StatusCode::OK, VM_MEDIA_TYPE, format!(r#"<?xml version="1.0" encoding="UTF-8"?>{body}"#));
    }
    let Some(vapp) = world.vapps.iter().find(|a| a.id == uuid) else { return not_found_xml("vApp") };
    if !session.sees(&vapp.org) {
        return forbidden_xml();
    }
    let vdc_id = world.org(&vapp.org).map(|o| o.vdc_id.clone()).unwrap_or_default();
    reply::xml(StatusCode::OK, VAPP_MEDIA_TYPE, vapp_xml(&base, &vdc_id, vapp))
}

async fn recompose(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with("application/vnd.vmware.vcloud.recomposeVAppParams+xml") {
        return xml_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "expected recomposeVAppParams+xml",
        );
    }
    let Ok(doc) = roxmltree::Document::parse(&body) else {
        return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "The request body is not well-formed XML");
    };
    let root = doc.root_element();
    let base = state.base_url().to_owned();
    let (vapp, effect) = {
        let world = state.world();
        let Some(vapp) = world.vapps.iter().find(|a| a.id == uuid_in(&id) && id.starts_with("vapp-")) else {
            return not_found_xml("vApp");
        };
        if !session.sees(&vapp.org) {
            return forbidden_xml();
        }
        let effect = if let Some(item) = element(root, "SourcedItem") {
            let href = element(item, "Source").and_then(|s| s.attribute("href")).unwrap_or_default();
            let source = href.rsplit('/').next().unwrap_or_default();
            let Some(template) = world.templates.iter().find(|t| source == format!("vm-{}", t.vm_id)) else {
                return xml_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    &format!("Source {href} is not a template VM"),
                );
            };
            let general_name = element(item, "VmGeneralParams").and_then(|p| element(p, "Name")).and_then(|n| n.text());
            let name = general_name.map(str::trim).unwrap_or(&template.vm_name).to_owned();
            if vapp.vms.iter().any(|vm| vm.name == name) {
                return xml_error(
                    StatusCode::BAD_REQUEST,
                    "DUPLICATE_NAME",
                    &format!("A VM named {name} already exists"),
                );
            }
            Effect::AddVm { vapp: vapp.id.clone(), name }
        } else if let Some(item) = element(root, "DeleteItem") {
            let href = item.attribute("href").unwrap_or_default();
            let vm = uuid_in(href.rsplit('/').next().unwrap_or_default());
            if !vapp.vms.iter().any(|v| v.id == vm) {
                return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("{href} is not a VM of this vApp"));
            }
            Effect::RemoveVm { vm: vm.to_owned() }
        } else {
            return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "nothing to recompose");
        };
        (vapp.clone(), effect)
    };
    let task = NewTask {
        kind: TaskKind::Recompose,
        org: vapp.org.clone(),
        operation: format!("Updating Virtual Application {}({})", vapp.name, vapp.id),
        owner_href: format!("{base}/api/vApp/vapp-{}", vapp.id),
        owner_name: vapp.name.clone(),
        owner_type: VAPP_MEDIA_TYPE,
        effect,
    };
    let id = tasks::start(&state, &session, task);
    tasks::accepted(&state, &id)
}

fn element<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.tag_name().name() == name)
}

/// Checks a VM action and starts its task.
fn vm_action(state: &SimState, session: &crate::state::Session, id: &str, kind: TaskKind) -> Response {
    let base = state.base_url().to_owned();
    let (vm, org) = {
        let world = state.world();
        let found = world.vm_location(uuid_in(id)).filter(|_| id.starts_with("vm-"));
        let Some((a, v)) = found else { return not_found_xml("VM") };
        let vapp = &world.vapps[a];
        if !session.sees(&vapp.org) {
            return forbidden_xml();
        }
        (vapp.vms[v].clone(), vapp.org.clone())
    };
    let (effect, operation, refusal) = match kind {
        TaskKind::PowerOn => {
            (Effect::Power { vm: vm.id.clone(), on: true }, "Starting", vm.powered_on.then_some("is not powered off"))
        }
        TaskKind::PowerOff => (
            Effect::Power { vm: vm.id.clone(), on: false },
            "Undeploying",
            (!vm.powered_on).then_some("is not deployed"),
        ),
        _ => (
            Effect::RemoveVm { vm: vm.id.clone() },
            "Deleting",
            vm.powered_on.then_some("is powered on; stop it before deleting"),
        ),
    };
    if let Some(reason) = refusal {
        let message = format!("The requested operation could not be executed since VM \"{}\" {reason}.", vm.name);
        return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
    }
    let task = NewTask {
        kind,
        org,
        operation: format!("{operation} Virtual Machine {}({})", vm.name, vm.id),
        owner_href: format!("{base}/api/vApp/vm-{}", vm.id),
        owner_name: vm.name.clone(),
        owner_type: VM_MEDIA_TYPE,
        effect,
    };
    let id = tasks::start(state, session, task);
    tasks::accepted(state, &id)
}

async fn power_on(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    vm_action(&state, &session, &id, TaskKind::PowerOn)
}

async fn undeploy(
    State(state): State<SimState>,
    Authed(session): Authed,
    Path(id): Path<String>,
    body: String,
) -> Response {
    if roxmltree::Document::parse(&body)
        .map(|d| d.root_element().tag_name().name() != "UndeployVAppParams")
        .unwrap_or(true)
    {
        return xml_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "expected UndeployVAppParams");
    }
    vm_action(&state, &session, &id, TaskKind::PowerOff)
}

async fn delete_vm(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    vm_action(&state, &session, &id, TaskKind::Delete)
}
