//! Contract tests: the `VcdClient` extension calls (UI plugins, external endpoints and API
//! filters, trusted certificates, AMQP extension services) against the simulator.

use std::time::Duration;

use vcd_client::{
    ApiFilter, EntityRef, ExtensionServiceSpec, ExternalEndpoint, TrustedCertificate, UiPluginMetadata, UrlMatcher,
    VcdClient, VcdEndpoint, VcdError,
};
use vcd_sim::{Simulator, TlsEndpoint};

/// Enough of a zip for the simulator (it checks the local file header signature).
const ZIP: &[u8] = b"PK\x03\x04 a plugin zip";

fn client(sim: &Simulator, user: &str, org: &str) -> VcdClient {
    VcdClient::new(VcdEndpoint::new(sim.url(), user, org, vcd_sim::PASSWORD))
        .unwrap()
        .with_poll_interval(Duration::from_millis(20))
}

fn provider(sim: &Simulator) -> VcdClient {
    client(sim, "administrator", "System")
}

fn metadata(version: &str) -> UiPluginMetadata {
    UiPluginMetadata {
        plugin_name: "Stratus".into(),
        vendor: "Stratus".into(),
        description: "test".into(),
        version: version.into(),
        license: "Apache-2.0".into(),
        link: "https://example.com".into(),
        tenant_scoped: true,
        provider_scoped: true,
        enabled: true,
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn names(refs: &[EntityRef]) -> Vec<&str> {
    let mut names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn a_ui_plugin_is_registered_uploaded_published_updated_and_deleted() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let created = vcd.create_ui_plugin(&metadata("0.1.0")).await.unwrap();
    assert!(created.id.starts_with("urn:vcloud:uiPlugin:"), "{}", created.id);
    assert_eq!(created.plugin_status, "unavailable");

    vcd.upload_ui_plugin(&created.id, "stratus-plugin.zip", ZIP).await.unwrap();
    let ready = vcd.wait_ui_plugin_ready(&created.id, Duration::from_secs(5)).await.unwrap();
    assert!(ready.is_ready());
    let stored = &sim.state().ui_plugins()[0];
    assert_eq!((stored.zip_size, stored.zip_sha256.as_deref()), (Some(ZIP.len()), Some(sha256(ZIP).as_str())));
    let upload = sim.state().request_log().into_iter().find(|r| r.method == "PUT").unwrap();
    assert!(upload.path.starts_with("/transfer/") && upload.path.ends_with("/stratus-plugin.zip"), "{upload:?}");

    let updated = vcd.update_ui_plugin(&created.id, &metadata("0.2.0")).await.unwrap();
    assert_eq!((updated.id.as_str(), updated.metadata.version.as_str()), (created.id.as_str(), "0.2.0"));
    assert_eq!(vcd.ui_plugins().await.unwrap(), vec![vcd.ui_plugin(&created.id).await.unwrap()]);

    let orgs = vcd.tenant_orgs().await.unwrap();
    assert_eq!(names(&orgs), ["acme", "globex"]);
    let acme: Vec<EntityRef> = orgs.iter().filter(|o| o.name == "acme").cloned().collect();
    vcd.publish_ui_plugin(&created.id, &acme).await.unwrap();
    assert_eq!(names(&vcd.ui_plugin_tenants(&created.id).await.unwrap()), ["acme"]);
    vcd.publish_ui_plugin_all(&created.id).await.unwrap();
    assert_eq!(names(&vcd.ui_plugin_tenants(&created.id).await.unwrap()), ["acme", "globex"]);
    vcd.unpublish_ui_plugin(&created.id, &acme).await.unwrap();
    assert_eq!(sim.state().ui_plugins()[0].tenants, ["globex"]);
    vcd.unpublish_ui_plugin_all(&created.id).await.unwrap();
    assert!(vcd.ui_plugin_tenants(&created.id).await.unwrap().is_empty());

    vcd.delete_ui_plugin(&created.id).await.unwrap();
    assert!(vcd.ui_plugins().await.unwrap().is_empty());
    assert!(matches!(vcd.ui_plugin(&created.id).await, Err(VcdError::NotFound(_))));
}

#[tokio::test]
async fn plugins_refuse_tenants_duplicates_and_bad_uploads() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let tenant = client(&sim, "admin", "acme");
    // vCD answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, which the client reads as not found.
    assert!(matches!(tenant.create_ui_plugin(&metadata("0.1.0")).await, Err(VcdError::NotFound(_))));

    let plugin = vcd.create_ui_plugin(&metadata("0.1.0")).await.unwrap();
    assert!(matches!(vcd.create_ui_plugin(&metadata("0.1.0")).await, Err(VcdError::Rejected { status: 400, .. })));
    let Err(VcdError::Rejected { status: 400, .. }) = vcd.upload_ui_plugin(&plugin.id, "p.zip", b"not a zip").await
    else {
        panic!("a file that is no zip is refused");
    };
    assert_eq!(vcd.ui_plugin(&plugin.id).await.unwrap().plugin_status, "unavailable");

    // The transfer link is single use, and the announced checksum must match the bytes.
    let http = reqwest::Client::new();
    let token = sim.state().issue_token("administrator", "System");
    let announce = |checksum: &'static str| {
        http.post(format!("{}/cloudapi/extensions/ui/{}/plugin", sim.url(), plugin.id))
            .bearer_auth(&token)
            .header("accept", "application/json;version=37.0")
            .json(&serde_json::json!({"fileName": "p.zip", "size": ZIP.len(), "checksum": checksum, "checksumAlgo": "sha256"}))
            .send()
    };
    let answer = announce("00").await.unwrap();
    assert_eq!(answer.status(), 204);
    let link = answer.headers()["link"].to_str().unwrap().to_owned();
    let url = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
    assert!(link.contains(r#"rel="upload:default""#), "{link}");
    let put =
        |url: String| http.put(url).bearer_auth(&token).header("content-type", "application/zip").body(ZIP).send();
    assert_eq!(put(url.clone()).await.unwrap().status(), 400, "checksum mismatch");
    assert_eq!(put(url).await.unwrap().status(), 404, "the link was used up");
}

#[tokio::test]
async fn external_endpoints_and_api_filters_follow_vcd_rules() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let (first, second) = (TlsEndpoint::start(), TlsEndpoint::start());
    let wanted = ExternalEndpoint {
        id: String::new(),
        name: "stratus".into(),
        vendor: "stratus".into(),
        version: "0.1.0".into(),
        enabled: true,
        description: None,
        root_url: first.url.clone(),
    };
    // vCD registers an endpoint only once it trusts the certificate its rootUrl presents.
    let untrusted = vcd.create_external_endpoint(&wanted).await.unwrap_err();
    assert!(untrusted.to_string().contains("is not trusted"), "{untrusted}");
    let certificate =
        TrustedCertificate { id: String::new(), alias: "first".into(), certificate: first.certificate.clone() };
    assert!(vcd.add_trusted_certificate(&certificate).await.unwrap().id.starts_with("urn:vcloud:trustedCertificate:"));
    assert_eq!(vcd.trusted_certificates().await.unwrap().len(), 1);
    let endpoint = vcd.create_external_endpoint(&wanted).await.unwrap();
    assert_eq!(endpoint.id, "urn:vcloud:extensionEndpoint:stratus:stratus:0.1.0");
    assert!(matches!(vcd.create_external_endpoint(&wanted).await, Err(VcdError::Rejected { status: 400, .. })));
    let plain_http = ExternalEndpoint { version: "0.2.0".into(), root_url: "http://stratus".into(), ..wanted.clone() };
    assert!(matches!(vcd.create_external_endpoint(&plain_http).await, Err(VcdError::Rejected { status: 400, .. })));

    let moved = ExternalEndpoint { root_url: second.url.clone(), ..endpoint.clone() };
    assert!(vcd.update_external_endpoint(&moved).await.is_err(), "moved to an untrusted certificate");
    sim.state().trust_certificate("second", &second.certificate);
    assert_eq!(vcd.update_external_endpoint(&moved).await.unwrap().root_url, second.url);
    assert_eq!(vcd.external_endpoints().await.unwrap(), vec![moved.clone()]);

    let system = EntityRef { name: endpoint.name.clone(), id: endpoint.id.clone() };
    let filter = |pattern: &str| ApiFilter {
        id: String::new(),
        external_system: system.clone(),
        url_matcher: Some(UrlMatcher { url_pattern: pattern.into(), url_scope: "EXT_API".into() }),
    };
    assert!(matches!(vcd.create_api_filter(&filter("/stratus/x")).await, Err(VcdError::Rejected { status: 400, .. })));
    let created = vcd.create_api_filter(&filter("/stratus/.*")).await.unwrap();
    assert!(created.id.starts_with("urn:vcloud:apiFilter:"));
    let changed = ApiFilter { id: created.id.clone(), ..filter("/stratus2/.*") };
    vcd.update_api_filter(&changed).await.unwrap();
    assert_eq!(vcd.api_filters().await.unwrap(), vec![changed.clone()]);

    // An endpoint with filters cannot go; once they are gone it is disabled, then deleted.
    assert!(matches!(vcd.delete_external_endpoint(&moved).await, Err(VcdError::Rejected { status: 400, .. })));
    vcd.delete_api_filter(&created.id).await.unwrap();
    let disabled = vcd.external_endpoints().await.unwrap().remove(0);
    assert!(!disabled.enabled, "the failed delete disabled it first");
    vcd.delete_external_endpoint(&disabled).await.unwrap();
    assert!(sim.state().external_endpoints().is_empty() && sim.state().api_filters().is_empty());
}

#[tokio::test]
async fn extension_services_are_registered_updated_filtered_and_removed() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let spec = ExtensionServiceSpec {
        name: "stratus".into(),
        namespace: "stratus".into(),
        exchange: "vcdext".into(),
        routing_key: "stratus".into(),
        enabled: true,
        api_filters: vec!["/api/stratus/.*".into()],
    };
    let service = vcd.register_extension_service(&spec).await.unwrap();
    assert_eq!((service.name.as_str(), service.enabled), ("stratus", true));
    assert_eq!(vcd.extension_services().await.unwrap(), vec![service.clone()]);
    let Err(VcdError::Rejected { status: 400, message }) = vcd.register_extension_service(&spec).await else {
        panic!("the namespace is unique");
    };
    assert!(message.contains("namespace"), "{message}");

    let elsewhere = ExtensionServiceSpec { namespace: "other".into(), exchange: "nowhere".into(), ..spec.clone() };
    let Err(VcdError::Rejected { status: 400, message }) = vcd.register_extension_service(&elsewhere).await else {
        panic!("the exchange must be declared");
    };
    assert!(message.contains("nowhere"), "{message}");
    sim.state().declare_exchange("nowhere");
    vcd.register_extension_service(&elsewhere).await.unwrap();

    let rekeyed = ExtensionServiceSpec { routing_key: "stratus.v2".into(), ..spec.clone() };
    assert_eq!(vcd.update_extension_service(&service.id, &rekeyed).await.unwrap().routing_key, "stratus.v2");

    let filters = vcd.extension_service_api_filters(&service.id).await.unwrap();
    assert_eq!(filters.iter().map(|f| f.url_pattern.as_str()).collect::<Vec<_>>(), ["/api/stratus/.*"]);
    let added = vcd.add_extension_service_api_filter(&service.id, "/api/other/.*").await.unwrap();
    assert_eq!(added.url_pattern, "/api/other/.*");
    vcd.delete_extension_service_api_filter(&filters[0].id).await.unwrap();
    let ours = sim.state().extension_services().into_iter().find(|s| s.namespace == "stratus").unwrap();
    assert_eq!((ours.routing_key.as_str(), ours.api_filters), ("stratus.v2", vec!["/api/other/.*".to_owned()]));

    let current = vcd.extension_services().await.unwrap().into_iter().find(|s| s.namespace == "stratus").unwrap();
    vcd.delete_extension_service(&current).await.unwrap();
    let left: Vec<String> = sim.state().extension_services().into_iter().map(|s| s.namespace).collect();
    assert_eq!(left, ["other"]);

    let tenant = client(&sim, "admin", "acme");
    assert!(matches!(tenant.extension_services().await, Err(VcdError::NotFound(_))), "403 forbidden entity");
}
