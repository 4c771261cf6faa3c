//! Inventory scoped to an organization: templates and vApps through the query service, edge
//! gateways through cloudapi. Provider sessions use the admin query types, tenant sessions the
//! plain ones (vCD refuses admin types to tenants).

use std::collections::HashMap;

use serde::Deserialize;

use crate::session::{Api, Call};
use crate::types::{EdgeGateway, LbKind, Template, VApp, uuid_of};
use crate::xml;
use crate::{VcdClient, VcdError};

const QUERY_PAGE_SIZE: u32 = 128;
const CLOUDAPI_PAGE_SIZE: u32 = 128;

/// One query record: its attributes.
pub(crate) type Record = HashMap<String, String>;

impl VcdClient {
    pub async fn templates(&self, org: &str) -> Result<Vec<Template>, VcdError> {
        let kind = if self.endpoint().is_provider() { "adminVAppTemplate" } else { "vAppTemplate" };
        let mut templates = Vec::new();
        for record in self.query_in_org(kind, org).await? {
            let (Some(href), Some(name)) = (record.get("href"), record.get("name")) else { continue };
            let uuid = uuid_of(href);
            let reply = self.execute(&Call::get(Api::Xml, format!("/api/vAppTemplate/vappTemplate-{uuid}"))).await?;
            let doc = xml::parse(&reply.body)?;
            let first_vm = xml::child(doc.root_element(), "Children").and_then(|c| xml::child(c, "Vm"));
            let Some(vm) = first_vm else { continue };
            templates.push(Template {
                id: format!("urn:vcloud:vapptemplate:{uuid}"),
                name: name.clone(),
                vm_href: vm.attribute("href").unwrap_or_default().to_owned(),
                vm_name: vm.attribute("name").unwrap_or_default().to_owned(),
            });
        }
        Ok(templates)
    }

    pub async fn vapps(&self, org: &str) -> Result<Vec<VApp>, VcdError> {
        let kind = if self.endpoint().is_provider() { "adminVApp" } else { "vApp" };
        let records = self.query_in_org(kind, org).await?;
        Ok(records
            .into_iter()
            .filter_map(|mut r| {
                let href = r.remove("href")?;
                let name = r.remove("name")?;
                Some(VApp { id: format!("urn:vcloud:vapp:{}", uuid_of(&href)), name, href })
            })
            .collect())
    }

    pub async fn edge_gateways(&self, org: &str) -> Result<Vec<EdgeGateway>, VcdError> {
        let filter = format!("orgRef.name=={org}");
        let values = self.cloudapi_pages("/cloudapi/1.0.0/edgeGateways", Some(&filter)).await?;
        let mut edges = Vec::new();
        for value in values {
            let edge: EdgeJson = serde_json::from_value(value)
                .map_err(|e| VcdError::Protocol(format!("unreadable edge gateway: {e}")))?;
            let kind = match edge.gateway_backing.as_ref().map(|b| b.gateway_type.as_str()) {
                Some("NSXV_BACKED") => LbKind::NsxV,
                Some("NSXT_BACKED" | "NSXT_IMPORTED") => LbKind::NsxTAlb,
                _ => continue,
            };
            edges.push(EdgeGateway { id: edge.id, name: edge.name, kind });
        }
        Ok(edges)
    }

    /// The href of the organization called `org`.
    async fn org_href(&self, org: &str) -> Result<String, VcdError> {
        let filter = format!("name=={org}");
        let records = self.query("organization", Some(&filter)).await?;
        records
            .into_iter()
            .find_map(|mut r| r.remove("href"))
            .ok_or_else(|| VcdError::NotFound(format!("organization {org}")))
    }

    async fn query_in_org(&self, kind: &str, org: &str) -> Result<Vec<Record>, VcdError> {
        let org_href = self.org_href(org).await?;
        self.query(kind, Some(&format!("org=={org_href}"))).await
    }

    /// Runs a query-service query in records format, following `nextPage` links.
    pub(crate) async fn query(&self, kind: &str, filter: Option<&str>) -> Result<Vec<Record>, VcdError> {
        let mut records = Vec::new();
        for page in 1.. {
            let mut call = Call::get(Api::Xml, "/api/query")
                .query("type", kind)
                .query("format", "records")
                .query("page", page.to_string())
                .query("pageSize", QUERY_PAGE_SIZE.to_string());
            if let Some(filter) = filter {
                call = call.query("filter", filter);
            }
            let reply = self.execute(&call).await?;
            let doc = xml::parse(&reply.body)?;
            let root = doc.root_element();
            if root.tag_name().name() != "QueryResultRecords" {
                return Err(VcdError::Protocol(format!("expected QueryResultRecords, got {}", root.tag_name().name())));
            }
            for node in root.children().filter(|n| n.is_element() && n.tag_name().name().ends_with("Record")) {
                records.push(node.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect());
            }
            let has_next = xml::children(root, "Link").any(|l| l.attribute("rel") == Some("nextPage"));
            if !has_next {
                break;
            }
        }
        Ok(records)
    }

    /// Collects `values` of every page of a paged cloudapi list.
    pub(crate) async fn cloudapi_pages(
        &self,
        path: &str,
        filter: Option<&str>,
    ) -> Result<Vec<serde_json::Value>, VcdError> {
        let mut values = Vec::new();
        let mut page = 1;
        loop {
            let mut call = Call::get(Api::Json, path)
                .query("page", page.to_string())
                .query("pageSize", CLOUDAPI_PAGE_SIZE.to_string());
            if let Some(filter) = filter {
                call = call.query("filter", filter);
            }
            let answer: Page = self.execute(&call).await?.json()?;
            values.extend(answer.values);
            if page >= answer.page_count {
                return Ok(values);
            }
            page += 1;
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    page_count: u32,
    #[serde(default)]
    values: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EdgeJson {
    id: String,
    name: String,
    gateway_backing: Option<GatewayBacking>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GatewayBacking {
    gateway_type: String,
}
