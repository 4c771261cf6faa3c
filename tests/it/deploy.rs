//! `stratus vcd deploy|undeploy`: the real binary against the vCD simulator.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use harness::process::run_stratus;
use vcd_sim::{Simulator, TlsEndpoint};

const PASSWORD_ENV: (&str, &str) = ("STRATUS_VCD_PASSWORD", vcd_sim::PASSWORD);
/// The HTTPS endpoint deploys register (one per test process): vCD checks its certificate.
fn root() -> &'static str {
    static ENDPOINT: std::sync::OnceLock<TlsEndpoint> = std::sync::OnceLock::new();
    &ENDPOINT.get_or_init(TlsEndpoint::start).url
}
const ENDPOINT_ID: &str = concat!("urn:vcloud:extensionEndpoint:stratus:stratus:", env!("CARGO_PKG_VERSION"));

/// A plugin zip like `cargo xtask plugin` builds for vCD 10.5 (manifest 3.0.0): a manifest, a
/// bundle and some assets.
fn plugin_zip(dir: &Path, version: &str) -> PathBuf {
    plugin_zip_for(dir, &format!("stratus-plugin-{version}.zip"), version, "3.0.0")
}

/// A plugin zip named `name` for the portal that hosts `manifest_version` plugins.
fn plugin_zip_for(dir: &Path, name: &str, version: &str, manifest_version: &str) -> PathBuf {
    let manifest = serde_json::json!({
        "urn": "vmware:vcloud:plugin:stratus", "name": "Stratus", "vendor": "Stratus", "version": version,
        "description": "Functions, VM autoscaling and showback", "license": "Apache-2.0",
        "link": "https://example.com/stratus", "scope": ["tenant", "service-provider"],
        "manifestVersion": manifest_version, "module": "StratusPluginModule", "route": "stratus",
    });
    let path = dir.join(name);
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let files = [
        ("manifest.json", manifest.to_string()),
        ("bundle.js", format!("define([], function() {{ return {{ version: '{version}' }}; }});")),
        ("assets/index.html", "<!doctype html>".repeat(200)),
    ];
    for (name, text) in files {
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn sha256(path: &Path) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `stratus ARGS…` off the runtime (the simulator serves on it meanwhile), without error
/// backtraces whatever the test's environment says.
async fn stratus(args: Vec<String>, mut envs: Vec<(&'static str, &'static str)>) -> Output {
    envs.push(("RUST_LIB_BACKTRACE", "0"));
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_stratus(&args, &envs)
    })
    .await
    .unwrap()
}

fn login(command: &str, sim: &Simulator) -> Vec<String> {
    let args = ["vcd", command, "--url", sim.url(), "--user", "administrator@System"];
    args.into_iter().map(str::to_owned).collect()
}

async fn deploy(sim: &Simulator, zip: &Path, extra: &[&str]) -> String {
    let mut args = login("deploy", sim);
    args.extend(["--plugin".to_owned(), zip.display().to_string()]);
    if !extra.contains(&"amqp") {
        args.extend(["--endpoint-url".to_owned(), root().to_owned()]);
    }
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    succeeded(stratus(args, vec![PASSWORD_ENV]).await)
}

async fn undeploy(sim: &Simulator) -> String {
    succeeded(stratus(login("undeploy", sim), vec![PASSWORD_ENV]).await)
}

/// The stderr of a successful run.
fn succeeded(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "stratus failed: {stderr}");
    stderr
}

/// The error of a failed run: one line, the last, after the steps that were done.
fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "stratus succeeded: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let (done, error) = stderr.rsplit_once('\n').unwrap_or(("", &stderr));
    assert!(error.starts_with("Error: "), "{stderr}");
    assert!(done.lines().all(|l| l.starts_with("✓ ")), "only steps before the error: {stderr}");
    error.to_owned()
}

fn assert_lines(stderr: &str, expected: &[&str]) {
    for line in expected {
        assert!(stderr.lines().any(|l| l.starts_with(line)), "no line starting {line:?} in:\n{stderr}");
    }
}

fn assert_nothing_registered(sim: &Simulator) {
    let state = sim.state();
    assert!(state.ui_plugins().is_empty(), "{:?}", state.ui_plugins());
    assert!(state.external_endpoints().is_empty(), "{:?}", state.external_endpoints());
    assert!(state.api_filters().is_empty(), "{:?}", state.api_filters());
    assert!(state.extension_services().is_empty(), "{:?}", state.extension_services());
}

#[tokio::test]
async fn deploy_replaces_the_plugin_and_undeploy_removes_everything_twice_in_a_row() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (plugin_zip(dir.path(), "0.1.0"), plugin_zip(dir.path(), "0.2.0"));
    for round in 0..2 {
        let stderr = deploy(&sim, &first, &[]).await;
        assert_lines(
            &stderr,
            &[
                "✓ logged in as administrator@System",
                "✓ registered plugin Stratus 0.1.0 (urn:vcloud:uiPlugin:",
                "✓ uploaded plugin Stratus 0.1.0 (",
                "✓ published to all tenants: acme, globex",
                &format!("✓ external endpoint {ENDPOINT_ID} → {}", root()),
                &format!("✓ API filter /ext-api/stratus/.* → {}", root()),
                "✓ Stratus 0.1.0 is deployed",
            ],
        );
        let plugins = sim.state().ui_plugins();
        assert_eq!(plugins.len(), 1, "round {round}");
        let plugin = &plugins[0];
        assert_eq!(
            (plugin.name.as_str(), plugin.vendor.as_str(), plugin.version.as_str()),
            ("Stratus", "Stratus", "0.1.0")
        );
        assert_eq!(plugin.status, "ready");
        assert_eq!(plugin.zip_sha256.as_deref(), Some(sha256(&first).as_str()));
        assert_eq!(plugin.zip_size, Some(std::fs::metadata(&first).unwrap().len() as usize));
        assert_eq!(plugin.tenants, ["acme", "globex"]);
        let endpoints = sim.state().external_endpoints();
        assert_eq!(endpoints.len(), 1);
        assert_eq!((endpoints[0].id.as_str(), endpoints[0].root_url.as_str()), (ENDPOINT_ID, root()));
        assert!(endpoints[0].enabled);
        let filters = sim.state().api_filters();
        assert_eq!(filters.len(), 1);
        let filter = &filters[0];
        assert_eq!(
            (filter.external_system_id.as_str(), filter.url_pattern.as_str(), filter.url_scope.as_str()),
            (ENDPOINT_ID, "/stratus/.*", "EXT_API")
        );

        // Again, with a newer zip: the plugin resource is replaced (deleted, registered, uploaded
        // once) and published to the same tenants; endpoint and filter are kept.
        let stderr = deploy(&sim, &second, &[]).await;
        assert_lines(
            &stderr,
            &[
                &format!("✓ removed plugin Stratus 0.1.0 ({}) to replace it", plugin.id),
                "✓ registered plugin Stratus 0.2.0 (urn:vcloud:uiPlugin:",
                "✓ uploaded plugin Stratus 0.2.0 (",
                "✓ published to all tenants: acme, globex",
                &format!("✓ external endpoint {ENDPOINT_ID} → {} (unchanged)", root()),
                &format!("✓ API filter /ext-api/stratus/.* → {} (unchanged)", root()),
            ],
        );
        let upgraded = sim.state().ui_plugins();
        assert_eq!(upgraded.len(), 1);
        assert_ne!(upgraded[0].id, plugin.id, "a new plugin resource");
        assert_eq!(upgraded[0].version, "0.2.0");
        assert_eq!((upgraded[0].uploads, upgraded[0].zip_sha256.clone()), (1, Some(sha256(&second))));
        assert_eq!(upgraded[0].tenants, ["acme", "globex"]);
        assert_eq!(sim.state().external_endpoints(), endpoints);
        assert_eq!(sim.state().api_filters(), filters);

        let stderr = undeploy(&sim).await;
        assert_lines(
            &stderr,
            &[
                "✓ logged in as administrator@System",
                "✓ unpublished plugin Stratus from acme, globex",
                &format!("✓ removed plugin Stratus 0.2.0 ({})", upgraded[0].id),
                &format!("✓ removed external endpoint {ENDPOINT_ID} and 1 API filter(s)"),
                "✓ Stratus is removed",
            ],
        );
        assert_nothing_registered(&sim);
        let stderr = undeploy(&sim).await;
        assert_lines(&stderr, &["✓ nothing to remove"]);
        assert_nothing_registered(&sim);
    }
}

#[tokio::test]
async fn a_tenant_list_publishes_to_exactly_those_orgs() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let zip = plugin_zip(dir.path(), "0.1.0");
    let stderr = deploy(&sim, &zip, &["--tenants", "acme"]).await;
    assert_lines(&stderr, &["✓ published to acme"]);
    assert_eq!(sim.state().ui_plugins()[0].tenants, ["acme"]);

    deploy(&sim, &zip, &["--tenants", "all"]).await;
    assert_eq!(sim.state().ui_plugins()[0].tenants, ["acme", "globex"]);
    let stderr = deploy(&sim, &zip, &["--tenants", "globex"]).await;
    assert_lines(&stderr, &["✓ published to globex"]);
    assert_eq!(sim.state().ui_plugins()[0].tenants, ["globex"]);

    let mut args = login("deploy", &sim);
    args.extend(
        ["--plugin", zip.to_str().unwrap(), "--endpoint-url", root(), "--tenants", "acme,initech"].map(str::to_owned),
    );
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("no tenant org named 'initech'") && error.contains("acme, globex"), "{error}");
    assert_eq!(sim.state().ui_plugins()[0].tenants, ["globex"], "nothing changed");
}

#[tokio::test]
async fn amqp_routing_registers_the_extension_service_in_place_of_the_endpoint() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let zip = plugin_zip(dir.path(), "0.1.0");
    deploy(&sim, &zip, &[]).await;
    assert_eq!(sim.state().external_endpoints().len(), 1);

    let stderr = deploy(&sim, &zip, &["--routing", "amqp"]).await;
    assert_lines(
        &stderr,
        &[
            "✓ extension service stratus (exchange vcdext, routing key stratus), API filter /api/stratus/.*",
            &format!("✓ removed external endpoint {ENDPOINT_ID} and 1 API filter(s)"),
        ],
    );
    let services = sim.state().extension_services();
    assert_eq!(services.len(), 1);
    let service = &services[0];
    assert_eq!((service.name.as_str(), service.namespace.as_str()), ("stratus", "stratus"));
    assert_eq!((service.exchange.as_str(), service.routing_key.as_str()), ("vcdext", "stratus"));
    assert!(service.enabled);
    assert_eq!(service.api_filters, ["/api/stratus/.*"]);
    assert!(sim.state().external_endpoints().is_empty() && sim.state().api_filters().is_empty());

    sim.state().declare_exchange("stratus-ext");
    let flags = ["--routing", "amqp", "--amqp-exchange", "stratus-ext", "--amqp-routing-key", "stratus.v2"];
    let stderr = deploy(&sim, &zip, &flags).await;
    assert_lines(&stderr, &["✓ extension service stratus (exchange stratus-ext, routing key stratus.v2) (updated)"]);
    let updated = sim.state().extension_services();
    assert_eq!(updated.len(), 1);
    assert_eq!((updated[0].id.as_str(), updated[0].routing_key.as_str()), (service.id.as_str(), "stratus.v2"));
    assert_eq!(updated[0].api_filters, ["/api/stratus/.*"]);

    let mut args = login("deploy", &sim);
    args.extend(
        ["--plugin", zip.to_str().unwrap(), "--routing", "amqp", "--amqp-exchange", "nowhere"].map(str::to_owned),
    );
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("updating the extension service") && error.contains("nowhere"), "{error}");

    let stderr = undeploy(&sim).await;
    assert_lines(
        &stderr,
        &["✓ removed plugin Stratus 0.1.0", "✓ removed extension service stratus (namespace stratus)"],
    );
    assert_nothing_registered(&sim);
    assert_lines(&undeploy(&sim).await, &["✓ nothing to remove"]);
}

#[tokio::test]
async fn an_endpoint_of_an_older_version_is_replaced() {
    let sim = Simulator::start().await;
    let token = sim.state().issue_token("administrator", "System");
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{}/cloudapi/1.0.0/{path}", sim.url()))
            .bearer_auth(&token)
            .header("accept", "application/json;version=38.0")
            .json(&body)
            .send()
    };
    let old = "urn:vcloud:extensionEndpoint:stratus:stratus:0.0.1";
    let old_endpoint = TlsEndpoint::start();
    sim.state().trust_certificate("old", &old_endpoint.certificate);
    let endpoint = serde_json::json!({"name": "stratus", "vendor": "stratus", "version": "0.0.1", "enabled": true, "rootUrl": old_endpoint.url});
    assert_eq!(post("externalEndpoints", endpoint).await.unwrap().status(), 201);
    let filter = serde_json::json!({"externalSystem": {"id": old, "name": "stratus"}, "urlMatcher": {"urlPattern": "/stratus/.*", "urlScope": "EXT_API"}});
    assert_eq!(post("apiFilters", filter).await.unwrap().status(), 201);

    let dir = tempfile::tempdir().unwrap();
    let stderr = deploy(&sim, &plugin_zip(dir.path(), "0.1.0"), &[]).await;
    assert_lines(&stderr, &[&format!("✓ removed the external endpoint of version 0.0.1 ({old})")]);
    let ids: Vec<String> = sim.state().external_endpoints().into_iter().map(|e| e.id).collect();
    assert_eq!(ids, [ENDPOINT_ID]);
    let filters = sim.state().api_filters();
    assert_eq!(filters.len(), 1);
    assert_eq!(filters[0].external_system_id, ENDPOINT_ID);
}

#[tokio::test]
async fn bad_credentials_and_arguments_fail_with_one_clear_line() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let zip = plugin_zip(dir.path(), "0.1.0");
    let with_zip = |mut args: Vec<String>, extra: &[&str]| {
        args.extend(["--plugin", zip.to_str().unwrap()].map(str::to_owned));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };

    let args = with_zip(login("deploy", &sim), &["--endpoint-url", root(), "--password-env", "SIM_PASSWORD"]);
    let error = failed(&stratus(args.clone(), vec![("SIM_PASSWORD", "wrong")]).await);
    assert!(error.contains("cannot log in to") && error.contains("as administrator@System"), "{error}");
    assert!(error.contains("refused the credentials"), "{error}");
    let error = failed(&stratus(login("undeploy", &sim), vec![("STRATUS_VCD_PASSWORD", "wrong")]).await);
    assert!(error.contains("refused the credentials"), "{error}");
    let error = failed(&stratus(args, vec![]).await);
    assert!(error.contains("set SIM_PASSWORD to the password of administrator@System"), "{error}");

    let missing = dir.path().join("missing.zip");
    let mut args = login("deploy", &sim);
    args.extend(["--plugin", missing.to_str().unwrap(), "--endpoint-url", root()].map(str::to_owned));
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("missing.zip not found") && error.contains("cargo xtask plugin"), "{error}");

    let error = failed(&stratus(with_zip(login("deploy", &sim), &[]), vec![PASSWORD_ENV]).await);
    assert!(error.contains("--endpoint-url"), "{error}");
    let args = with_zip(login("deploy", &sim), &["--endpoint-url", "http://stratus.example.com"]);
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("https://"), "{error}");
    assert_nothing_registered(&sim);
}

/// Requests that change something (the login aside).
fn writes(sim: &Simulator) -> Vec<String> {
    let log = sim.state().request_log();
    let writes = log.iter().filter(|r| r.method != "GET" && !r.path.starts_with("/cloudapi/1.0.0/sessions"));
    writes.map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[tokio::test]
async fn deploy_negotiates_the_api_version_and_refuses_a_vcd_too_old_for_its_routing() {
    let dir = tempfile::tempdir().unwrap();
    let zip = plugin_zip(dir.path(), "0.1.0");

    // A 10.5.1 cell: everything goes with its highest version, asked for once.
    let sim = Simulator::start().await;
    let stderr = deploy(&sim, &zip, &[]).await;
    assert_lines(&stderr, &["✓ vCD speaks API 38.1 for /ext-api routing"]);
    let log = sim.state().request_log();
    assert_eq!(log.iter().filter(|r| r.path == "/api/versions").count(), 1, "versions asked once");
    // Every API call (uploads to /transfer carry no version) asked for the cell's highest.
    let api = |r: &&vcd_sim::RequestRecord| r.path != "/api/versions" && !r.path.starts_with("/transfer/");
    let versions: Vec<(&str, Option<&str>)> =
        log.iter().filter(api).map(|r| (r.path.as_str(), r.api_version.as_deref())).collect();
    assert!(versions.iter().all(|(_, v)| *v == Some("38.1")), "{versions:?}");
    assert!(versions.iter().any(|(p, _)| p.starts_with("/cloudapi/1.0.0/externalEndpoints")), "{versions:?}");

    // A 10.4.3 cell (up to 37.3): /ext-api routing is refused before anything changes, with the
    // versions named; so is the legacy extension service, as its portal hosts Angular 9 plugins.
    let old = Simulator::start().await;
    old.state().set_api_versions(&["36.0", "37.0", "37.1", "37.2", "37.3"]);
    let mut args = login("deploy", &old);
    args.extend(["--plugin", zip.to_str().unwrap(), "--endpoint-url", root()].map(str::to_owned));
    let error = failed(&stratus(args.clone(), vec![PASSWORD_ENV]).await);
    assert!(error.contains("needs vCD API version 38.0") && error.contains("speaks up to 37.3"), "{error}");
    assert!(error.contains("/ext-api routing"), "{error}");
    args.extend(["--routing", "amqp"].map(str::to_owned));
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("needs vCD 10.5 (API 38.0) or later") && error.contains("Angular 9"), "{error}");
    assert_eq!(writes(&old), Vec::<String>::new(), "nothing was changed");
    assert_nothing_registered(&old);

    // --vcd-api-version forces a version: 37.3 is enough for the cell's external endpoints (it
    // added them in 37.3) even though Stratus would not choose it.
    let forced = Simulator::start().await;
    let mut args = login("deploy", &forced);
    args.extend(["--plugin", zip.to_str().unwrap(), "--endpoint-url", root()].map(str::to_owned));
    args.extend(["--vcd-api-version", "37.3"].map(str::to_owned));
    succeeded(stratus(args, vec![PASSWORD_ENV]).await);
    assert_eq!(forced.state().external_endpoints().len(), 1);
    let log = forced.state().request_log();
    assert!(log.iter().filter(api).all(|r| r.api_version.as_deref() == Some("37.3")), "{log:?}");

    // Forced below that, the cell refuses the call (406) and the error says so.
    let forced = Simulator::start().await;
    let mut args = login("deploy", &forced);
    args.extend(["--plugin", zip.to_str().unwrap(), "--endpoint-url", root()].map(str::to_owned));
    args.extend(["--vcd-api-version", "37.0"].map(str::to_owned));
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains("406") && error.contains("37.3 or later"), "{error}");
    let asked = forced.state().request_log();
    let versioned = asked.iter().filter(|r| r.path != "/api/versions");
    assert!(versioned.clone().all(|r| r.api_version.as_deref() != Some("38.1")), "a forced version is not negotiated");
}

/// `cargo xtask plugin` builds a zip per portal generation; deploy reads the cell's newest API
/// version and uploads the one its portal hosts: 10.5 (API 38.x) Angular 15 / manifest 3.0.0,
/// 10.6+ (39.x) Angular 17 / manifest 4.0.0. A zip for the other portal is refused unchanged.
#[tokio::test]
async fn deploy_uploads_the_plugin_build_the_cells_portal_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let for_10_5 = plugin_zip_for(dir.path(), "stratus-plugin-10.5.zip", "0.1.0", "3.0.0");
    let for_10_6 = plugin_zip_for(dir.path(), "stratus-plugin-10.6.zip", "0.1.0", "4.0.0");

    let ten_five = Simulator::start().await;
    let stderr = deploy(&ten_five, dir.path(), &[]).await;
    assert_lines(
        &stderr,
        &[
            "✓ vCD speaks up to API 38.1: its portal is vCD 10.5 (Angular 15, manifest 3.0.0), so stratus-plugin-10.5.zip",
        ],
    );
    assert_eq!(ten_five.state().ui_plugins()[0].zip_sha256, Some(sha256(&for_10_5)));

    let ten_six = Simulator::start().await;
    ten_six.state().set_api_versions(&["37.0", "38.0", "38.1", "39.0", "39.0.0-alpha", "39.1"]);
    let stderr = deploy(&ten_six, dir.path(), &[]).await;
    assert_lines(
        &stderr,
        &[
            "✓ vCD speaks up to API 39.1: its portal is vCD 10.6+ (Angular 17, manifest 4.0.0), so stratus-plugin-10.6.zip",
        ],
    );
    assert_eq!(ten_six.state().ui_plugins()[0].zip_sha256, Some(sha256(&for_10_6)));
    assert_eq!(ten_six.state().ui_plugins()[0].uploads, 1);

    // Given only the 10.5 zip, a 10.6 cell is left as it was.
    let fresh = Simulator::start().await;
    fresh.state().set_api_versions(&["38.1", "39.0"]);
    let mut args = login("deploy", &fresh);
    args.extend(["--plugin", for_10_5.to_str().unwrap(), "--endpoint-url", root()].map(str::to_owned));
    let error = failed(&stratus(args, vec![PASSWORD_ENV]).await);
    assert!(error.contains(r#"built for manifest "3.0.0""#) && error.contains("vCD 10.6+ (Angular 17"), "{error}");
    assert_nothing_registered(&fresh);
}

/// `/ext-api` routing needs vCD to trust the endpoint's certificate: deploy registers the chain
/// it presents (once), `--no-trust-cert` leaves that to the provider and says how, and the cell
/// refuses to register an endpoint whose certificate it does not trust.
#[tokio::test]
async fn deploy_trusts_the_endpoint_certificate_once_or_leaves_it_to_the_provider() {
    let dir = tempfile::tempdir().unwrap();
    let zip = plugin_zip(dir.path(), "0.1.0");
    let endpoint = TlsEndpoint::start();
    let args = |sim: &Simulator, extra: &[&str]| {
        let mut args = login("deploy", sim);
        args.extend(["--plugin", zip.to_str().unwrap(), "--endpoint-url", &endpoint.url].map(str::to_owned));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };

    let sim = Simulator::start().await;
    let stderr = succeeded(stratus(args(&sim, &[]), vec![PASSWORD_ENV]).await);
    assert_lines(&stderr, &[&format!("✓ trusted the certificate of {} (stratus 127.0.0.1:", endpoint.url)]);
    let trusted = sim.state().trusted_certificates();
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].1.trim(), endpoint.certificate.trim());
    let stderr = succeeded(stratus(args(&sim, &[]), vec![PASSWORD_ENV]).await);
    assert_lines(&stderr, &[&format!("✓ the certificate of {} is trusted (stratus 127.0.0.1:", endpoint.url)]);
    assert_eq!(sim.state().trusted_certificates().len(), 1, "registered once");

    // Without trusting it, the cell refuses the endpoint; trusted by hand, it takes it.
    let untrusted = Simulator::start().await;
    let error = failed(&stratus(args(&untrusted, &["--no-trust-cert"]), vec![PASSWORD_ENV]).await);
    assert!(error.contains("is not trusted"), "{error}");
    assert!(untrusted.state().external_endpoints().is_empty());
    untrusted.state().trust_certificate("imported by hand", &endpoint.certificate);
    let stderr = succeeded(stratus(args(&untrusted, &["--no-trust-cert"]), vec![PASSWORD_ENV]).await);
    assert_lines(&stderr, &["✓ skipped trusting the certificate of", &format!("✓ external endpoint {ENDPOINT_ID}")]);
    assert_eq!(untrusted.state().trusted_certificates().len(), 1, "deploy added none");

    // An endpoint URL that serves no TLS is refused before anything changes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("https://{}", silent.local_addr().unwrap());
    drop(silent);
    let fresh = Simulator::start().await;
    let mut bad = login("deploy", &fresh);
    bad.extend(["--plugin", zip.to_str().unwrap(), "--endpoint-url", &nowhere].map(str::to_owned));
    let error = failed(&stratus(bad, vec![PASSWORD_ENV]).await);
    assert!(error.contains("cannot read the certificate of") && error.contains("--no-trust-cert"), "{error}");
    assert_nothing_registered(&fresh);
}
