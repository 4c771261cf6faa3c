//! vApp contents and VM lifecycle: recomposition from a template, power actions, deletion.

use chrono::{DateTime, Utc};
use reqwest::Method;

use crate::session::{Api, Call};
use crate::types::{Task, Vm, uuid_of};
use crate::xml::{self, escape};
use crate::{VcdClient, VcdError};

/// vCD's `POWERED_ON` status.
const POWERED_ON: &str = "4";
const RECOMPOSE_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.recomposeVAppParams+xml";
const UNDEPLOY_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.undeployVAppParams+xml";

impl VcdClient {
    /// The VMs of a vApp; [`VcdError::NotFound`] if the vApp is gone.
    pub async fn vapp_vms(&self, vapp_id: &str) -> Result<Vec<Vm>, VcdError> {
        let path = format!("/api/vApp/vapp-{}", uuid_of(vapp_id));
        let reply = self.execute(&Call::get(Api::Xml, path)).await?;
        parse_vapp_vms(&reply.body)
    }

    pub async fn find_vm(&self, vapp_id: &str, name: &str) -> Result<Option<Vm>, VcdError> {
        Ok(self.vapp_vms(vapp_id).await?.into_iter().find(|vm| vm.name == name))
    }

    /// Adds a VM named `vm_name` to the vApp from a template VM; the VM exists once the task ends.
    pub async fn recompose_add(&self, vapp_id: &str, template_vm_href: &str, vm_name: &str) -> Result<Task, VcdError> {
        let path = format!("/api/vApp/vapp-{}/action/recomposeVApp", uuid_of(vapp_id));
        let call = Call::new(Method::POST, Api::Xml, path)
            .body(RECOMPOSE_MEDIA_TYPE, recompose_body(template_vm_href, vm_name));
        self.task_call(&call).await
    }

    pub async fn power_on(&self, vm: &Vm) -> Result<Task, VcdError> {
        let path = format!("/api/vApp/vm-{}/power/action/powerOn", uuid_of(&vm.id));
        self.task_call(&Call::new(Method::POST, Api::Xml, path)).await
    }

    /// Powers the VM off hard (undeploy with `powerOff`).
    pub async fn power_off(&self, vm: &Vm) -> Result<Task, VcdError> {
        let path = format!("/api/vApp/vm-{}/action/undeploy", uuid_of(&vm.id));
        let body = concat!(
            r#"<UndeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5">"#,
            "<UndeployPowerAction>powerOff</UndeployPowerAction></UndeployVAppParams>"
        );
        self.task_call(&Call::new(Method::POST, Api::Xml, path).body(UNDEPLOY_MEDIA_TYPE, body.to_owned())).await
    }

    pub async fn delete_vm(&self, vm: &Vm) -> Result<Task, VcdError> {
        let path = format!("/api/vApp/vm-{}", uuid_of(&vm.id));
        self.task_call(&Call::new(Method::DELETE, Api::Xml, path)).await
    }

    /// Sends a call that vCD answers with a `<Task>` and returns that task.
    async fn task_call(&self, call: &Call) -> Result<Task, VcdError> {
        let reply = self.execute(call).await?;
        parse_task(&reply.body)
    }
}

/// The `RecomposeVAppParams` that add one VM from a template VM.
pub(crate) fn recompose_body(template_vm_href: &str, vm_name: &str) -> String {
    format!(
        concat!(
            r#"<RecomposeVAppParams xmlns="http://www.vmware.com/vcloud/v1.5" "#,
            r#"xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" deploy="false" powerOn="false">"#,
            r#"<SourcedItem><Source href="{href}"/>"#,
            "<VmGeneralParams><Name>{name}</Name></VmGeneralParams></SourcedItem>",
            "<AllEULAsAccepted>true</AllEULAsAccepted></RecomposeVAppParams>"
        ),
        href = escape(template_vm_href),
        name = escape(vm_name),
    )
}

pub(crate) fn parse_task(body: &str) -> Result<Task, VcdError> {
    let doc = xml::parse(body)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Task" {
        return Err(VcdError::Protocol(format!("expected a Task, got {}", root.tag_name().name())));
    }
    let href = root.attribute("href").ok_or_else(|| VcdError::Protocol("task without href".into()))?;
    let mut task = Task::from_href(href);
    if let Some(id) = root.attribute("id") {
        task.id = id.to_owned();
    }
    Ok(task)
}

pub(crate) fn parse_vapp_vms(body: &str) -> Result<Vec<Vm>, VcdError> {
    let doc = xml::parse(body)?;
    let root = doc.root_element();
    let Some(children) = xml::child(root, "Children") else { return Ok(Vec::new()) };
    Ok(xml::children(children, "Vm").map(parse_vm).collect())
}

fn parse_vm(node: roxmltree::Node<'_, '_>) -> Vm {
    let href = node.attribute("href").unwrap_or_default().to_owned();
    let id = node.attribute("id").map(str::to_owned).unwrap_or_else(|| format!("urn:vcloud:vm:{}", uuid_of(&href)));
    let created_at = xml::child_text(node, "DateCreated")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    let ip = xml::child(node, "NetworkConnectionSection").and_then(|section| {
        let mut connections: Vec<_> = xml::children(section, "NetworkConnection")
            .filter_map(|c| {
                let ip = xml::child_text(c, "IpAddress").filter(|ip| !ip.is_empty())?;
                let index = xml::child_text(c, "NetworkConnectionIndex").and_then(|i| i.parse::<u32>().ok());
                Some((index.unwrap_or(u32::MAX), ip))
            })
            .collect();
        connections.sort();
        connections.into_iter().next().map(|(_, ip)| ip)
    });
    Vm {
        id,
        href,
        name: node.attribute("name").unwrap_or_default().to_owned(),
        powered_on: node.attribute("status") == Some(POWERED_ON),
        created_at,
        ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAPP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<VApp xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
      status="4" name="web-app" id="urn:vcloud:vapp:aa" href="https://vcd/api/vApp/vapp-aa">
  <DateCreated>2024-01-01T00:00:00.000Z</DateCreated>
  <Children>
    <Vm status="4" name="web-01" id="urn:vcloud:vm:11" href="https://vcd/api/vApp/vm-11">
      <NetworkConnectionSection ovf:required="false">
        <ovf:Info>Network connections</ovf:Info>
        <NetworkConnection network="net1"><NetworkConnectionIndex>1</NetworkConnectionIndex>
          <IpAddress>10.9.0.1</IpAddress></NetworkConnection>
        <NetworkConnection network="net0"><NetworkConnectionIndex>0</NetworkConnectionIndex>
          <IpAddress>10.1.0.11</IpAddress></NetworkConnection>
      </NetworkConnectionSection>
      <DateCreated>2024-02-03T04:05:06.000+01:00</DateCreated>
    </Vm>
    <Vm status="8" name="web-02" href="https://vcd/api/vApp/vm-22"/>
  </Children>
</VApp>"#;

    #[test]
    fn reads_vms_of_a_vapp() {
        let vms = parse_vapp_vms(VAPP).unwrap();
        assert_eq!(vms.len(), 2);
        assert_eq!(vms[0].name, "web-01");
        assert!(vms[0].powered_on);
        assert_eq!(vms[0].ip.as_deref(), Some("10.1.0.11"));
        assert_eq!(vms[0].created_at.unwrap().to_rfc3339(), "2024-02-03T03:05:06+00:00");
        assert_eq!(vms[1].id, "urn:vcloud:vm:22");
        assert!(!vms[1].powered_on);
        assert_eq!(vms[1].ip, None);
    }

    #[test]
    fn recompose_body_escapes_and_orders_source_before_params() {
        let body = recompose_body("https://vcd/api/vAppTemplate/vm-1?a&b", "web<3>");
        let doc = roxmltree::Document::parse(&body).unwrap();
        let item = xml::child(doc.root_element(), "SourcedItem").unwrap();
        let names: Vec<_> = item.children().map(|c| c.tag_name().name()).collect();
        assert_eq!(names, ["Source", "VmGeneralParams"]);
        assert_eq!(
            xml::child(item, "Source").unwrap().attribute("href"),
            Some("https://vcd/api/vAppTemplate/vm-1?a&b")
        );
        assert_eq!(xml::child_text(xml::child(item, "VmGeneralParams").unwrap(), "Name").as_deref(), Some("web<3>"));
        assert_eq!(xml::child_text(doc.root_element(), "AllEULAsAccepted").as_deref(), Some("true"));
    }

    #[test]
    fn reads_a_task() {
        let body = r#"<Task xmlns="http://www.vmware.com/vcloud/v1.5" status="queued" id="urn:vcloud:task:7"
            href="https://vcd/api/task/7"/>"#;
        assert_eq!(
            parse_task(body).unwrap(),
            Task { id: "urn:vcloud:task:7".into(), href: "https://vcd/api/task/7".into() }
        );
        assert!(matches!(parse_task("<VApp/>"), Err(VcdError::Protocol(_))));
    }
}
