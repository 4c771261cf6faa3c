//! Legacy AMQP API extensions ("extension services", `/api/admin/extension/service`): vCD
//! publishes requests matching a service's API filters to its exchange with its routing key.

use reqwest::Method;

use crate::session::{Api, Call};
use crate::types::uuid_of;
use crate::xml::{self, escape};
use crate::{VcdClient, VcdError};

const SERVICE_MEDIA_TYPE: &str = "application/vnd.vmware.admin.service+xml";
const API_FILTER_MEDIA_TYPE: &str = "application/vnd.vmware.admin.apiFilter+xml";
const SERVICES_PATH: &str = "/api/admin/extension/service";
const VCLOUD_NS: &str = "http://www.vmware.com/vcloud/v1.5";
const VMEXT_NS: &str = "http://www.vmware.com/vcloud/extension/v1.5";

/// What a service is registered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionServiceSpec {
    pub name: String,
    /// Unique across the vCD installation.
    pub namespace: String,
    /// A declared exchange of type `direct`.
    pub exchange: String,
    pub routing_key: String,
    pub enabled: bool,
    /// Java regexes matched against request paths (`/api/…`).
    pub api_filters: Vec<String>,
}

/// A registered service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionService {
    /// The service's uuid.
    pub id: String,
    pub href: String,
    pub name: String,
    pub namespace: String,
    pub exchange: String,
    pub routing_key: String,
    pub enabled: bool,
}

/// One of a service's API filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceApiFilter {
    /// The filter's uuid.
    pub id: String,
    pub url_pattern: String,
}

impl VcdClient {
    /// Every registered extension service (`GET /api/admin/extension/service/query`).
    pub async fn extension_services(&self) -> Result<Vec<ExtensionService>, VcdError> {
        let records = self.extension_records(&format!("{SERVICES_PATH}/query")).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| {
                let href = r.get("href")?.clone();
                Some(ExtensionService {
                    id: uuid_of(&href).to_owned(),
                    name: r.get("name").cloned().unwrap_or_default(),
                    namespace: r.get("namespace").cloned().unwrap_or_default(),
                    exchange: r.get("exchange").cloned().unwrap_or_default(),
                    routing_key: r.get("routingKey").cloned().unwrap_or_default(),
                    enabled: r.get("enabled").is_some_and(|e| e == "true"),
                    href,
                })
            })
            .collect())
    }

    /// Registers a service with its API filters.
    pub async fn register_extension_service(&self, spec: &ExtensionServiceSpec) -> Result<ExtensionService, VcdError> {
        let call = Call::new(Method::POST, Api::Xml, SERVICES_PATH).body(SERVICE_MEDIA_TYPE, service_xml(spec, true));
        read_service(&self.execute(&call).await?.body)
    }

    /// Changes a service's exchange, routing key and enabled flag (filters are separate, see
    /// [`VcdClient::add_extension_service_api_filter`]); name and namespace stay.
    pub async fn update_extension_service(
        &self,
        id: &str,
        spec: &ExtensionServiceSpec,
    ) -> Result<ExtensionService, VcdError> {
        let call = Call::new(Method::PUT, Api::Xml, format!("{SERVICES_PATH}/{id}"))
            .body(SERVICE_MEDIA_TYPE, service_xml(spec, false));
        read_service(&self.execute(&call).await?.body)
    }

    /// Disables the service (vCD deletes only disabled ones), then deletes it.
    pub async fn delete_extension_service(&self, service: &ExtensionService) -> Result<(), VcdError> {
        if service.enabled {
            let spec = ExtensionServiceSpec {
                name: service.name.clone(),
                namespace: service.namespace.clone(),
                exchange: service.exchange.clone(),
                routing_key: service.routing_key.clone(),
                enabled: false,
                api_filters: Vec::new(),
            };
            self.update_extension_service(&service.id, &spec).await?;
        }
        self.execute(&Call::new(Method::DELETE, Api::Xml, format!("{SERVICES_PATH}/{}", service.id))).await?;
        Ok(())
    }

    pub async fn extension_service_api_filters(&self, service_id: &str) -> Result<Vec<ServiceApiFilter>, VcdError> {
        let records = self.extension_records(&format!("{SERVICES_PATH}/{service_id}/apifilters")).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| {
                Some(ServiceApiFilter {
                    id: uuid_of(r.get("href")?).to_owned(),
                    url_pattern: r.get("urlPattern").cloned().unwrap_or_default(),
                })
            })
            .collect())
    }

    pub async fn add_extension_service_api_filter(
        &self,
        service_id: &str,
        url_pattern: &str,
    ) -> Result<ServiceApiFilter, VcdError> {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><vmext:ApiFilter xmlns="{VCLOUD_NS}" xmlns:vmext="{VMEXT_NS}"><vmext:UrlPattern>{}</vmext:UrlPattern></vmext:ApiFilter>"#,
            escape(url_pattern)
        );
        let call = Call::new(Method::POST, Api::Xml, format!("{SERVICES_PATH}/{service_id}/apifilters"))
            .body(API_FILTER_MEDIA_TYPE, body);
        let reply = self.execute(&call).await?;
        let doc = xml::parse(&reply.body)?;
        let root = doc.root_element();
        Ok(ServiceApiFilter {
            id: uuid_of(root.attribute("href").unwrap_or_default()).to_owned(),
            url_pattern: xml::child_text(root, "UrlPattern").unwrap_or_default(),
        })
    }

    pub async fn delete_extension_service_api_filter(&self, filter_id: &str) -> Result<(), VcdError> {
        let path = format!("{SERVICES_PATH}/apifilter/{filter_id}");
        self.execute(&Call::new(Method::DELETE, Api::Xml, path)).await?;
        Ok(())
    }

    /// The records of a `QueryResultRecords` list, following `nextPage` links.
    async fn extension_records(&self, path: &str) -> Result<Vec<crate::inventory::Record>, VcdError> {
        let mut records = Vec::new();
        for page in 1.. {
            let call = Call::get(Api::Xml, path).query("page", page.to_string()).query("pageSize", "128");
            let reply = self.execute(&call).await?;
            let doc = xml::parse(&reply.body)?;
            let root = doc.root_element();
            for node in root.children().filter(|n| n.is_element() && n.tag_name().name().ends_with("Record")) {
                records.push(node.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect());
            }
            if !xml::children(root, "Link").any(|l| l.attribute("rel") == Some("nextPage")) {
                break;
            }
        }
        Ok(records)
    }
}

/// `vmext:Service`; filters only when registering (vCD keeps them as separate objects).
fn service_xml(spec: &ExtensionServiceSpec, with_filters: bool) -> String {
    let mut body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><vmext:Service xmlns="{VCLOUD_NS}" xmlns:vmext="{VMEXT_NS}" name="{}"><vmext:Namespace>{}</vmext:Namespace><vmext:Enabled>{}</vmext:Enabled><vmext:RoutingKey>{}</vmext:RoutingKey><vmext:Exchange>{}</vmext:Exchange>"#,
        escape(&spec.name),
        escape(&spec.namespace),
        spec.enabled,
        escape(&spec.routing_key),
        escape(&spec.exchange)
    );
    if with_filters && !spec.api_filters.is_empty() {
        body.push_str("<vmext:ApiFilters>");
        for pattern in &spec.api_filters {
            body.push_str(&format!(
                "<vmext:ApiFilter><vmext:UrlPattern>{}</vmext:UrlPattern></vmext:ApiFilter>",
                escape(pattern)
            ));
        }
        body.push_str("</vmext:ApiFilters>");
    }
    body.push_str("</vmext:Service>");
    body
}

fn read_service(body: &str) -> Result<ExtensionService, VcdError> {
    let doc = xml::parse(body)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Service" {
        return Err(VcdError::Protocol(format!("expected a Service, got {}", root.tag_name().name())));
    }
    let href = root.attribute("href").unwrap_or_default().to_owned();
    let text = |name| xml::child_text(root, name).unwrap_or_default();
    Ok(ExtensionService {
        id: uuid_of(&href).to_owned(),
        name: root.attribute("name").unwrap_or_default().to_owned(),
        namespace: text("Namespace"),
        exchange: text("Exchange"),
        routing_key: text("RoutingKey"),
        enabled: text("Enabled") == "true",
        href,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_xml_carries_the_filters_and_escapes() {
        let spec = ExtensionServiceSpec {
            name: "stratus".into(),
            namespace: "stratus".into(),
            exchange: "vcdext".into(),
            routing_key: "a&b".into(),
            enabled: true,
            api_filters: vec!["/api/stratus/.*".into()],
        };
        let body = service_xml(&spec, true);
        let doc = roxmltree::Document::parse(&body).unwrap();
        let root = doc.root_element();
        assert_eq!((root.tag_name().namespace(), root.attribute("name")), (Some(VMEXT_NS), Some("stratus")));
        assert_eq!(xml::child_text(root, "RoutingKey").as_deref(), Some("a&b"));
        let filters = xml::child(root, "ApiFilters").unwrap();
        let pattern = xml::child(filters, "ApiFilter").and_then(|f| xml::child_text(f, "UrlPattern"));
        assert_eq!(pattern.as_deref(), Some("/api/stratus/.*"));
        assert!(!service_xml(&spec, false).contains("ApiFilters"));
    }
}
