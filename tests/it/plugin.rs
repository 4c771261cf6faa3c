//! The vCD UI plugins built by `cargo xtask plugin` (`cargo xtask test` builds them first), one
//! per portal generation ([`BUILDS`]):
//!
//! * each zip's contents and its manifest's field rules;
//! * the portal emulation, per build against a portal of its own Angular version: tests/portal/
//!   loads `bundle.js` the way the vCD portal does (an AMD loader with that Angular and rxjs as
//!   modules, the container hooks under `@vcd/common` in `window.System.registry`, the exported
//!   NgModule lazy-loaded at the manifest's routes), in headless Chromium. The shell's iframe
//!   shows the Stratus app, which gets the session by `postMessage` and calls the API through
//!   `/ext-api/stratus/…` — here a proxy in front of a TestApp, as vCD's external endpoint would
//!   be. One origin serves it all, so no CORS. Screenshots:
//!   target/screenshots/plugin-portal-{tenant,provider}[-angular17].png.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api_types::Role;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::any;
use fantoccini::Locator;
use harness::browser::Browser;
use harness::{Db, TestApp, workspace_root};
use serde_json::Value;
use tower_http::services::ServeDir;

/// One plugin build, as xtask's `plugin::BUILDS` makes it.
#[derive(Debug, Clone, Copy)]
struct Build {
    zip: &'static str,
    /// `plugin-shell/<shell>`: the npm project that compiled the shell, and the emulated portal.
    shell: &'static str,
    manifest_version: &'static str,
    /// The major version of the portal's Angular.
    angular: &'static str,
}

const NG15: Build =
    Build { zip: "stratus-plugin-10.5.zip", shell: "angular15", manifest_version: "3.0.0", angular: "15" };
const NG17: Build =
    Build { zip: "stratus-plugin-10.6.zip", shell: "angular17", manifest_version: "4.0.0", angular: "17" };
const BUILDS: [Build; 2] = [NG15, NG17];

/// Where `cargo xtask plugin` leaves the build's zip.
fn zip_path(build: Build) -> PathBuf {
    let path = workspace_root().join("target").join("plugin").join(build.zip);
    assert!(path.is_file(), "{} is missing: run `cargo xtask plugin` (cargo xtask test does)", path.display());
    path
}

/// The zip's entries by name.
fn zip_entries(build: Build) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(zip_path(build)).expect("open the plugin zip");
    let mut archive = zip::ZipArchive::new(file).expect("read the plugin zip");
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("zip entry");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read zip entry");
        entries.insert(entry.name().expect("a UTF-8 entry name").into_owned(), content);
    }
    entries
}

fn text(entries: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(entries.get(name).unwrap_or_else(|| panic!("the zip has no {name}")).clone())
        .unwrap_or_else(|_| panic!("{name} is not UTF-8"))
}

/// `vendor:product:…`: colon-separated segments of letters, digits, `.`, `_`, `-`.
fn is_urn(s: &str) -> bool {
    let segments: Vec<&str> = s.split(':').collect();
    segments.len() >= 3
        && segments.iter().all(|seg| {
            !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

fn is_version(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The dependency list of the bundle's `define('<module>', [...], …)`.
fn amd_dependencies(bundle: &str, module: &str) -> Vec<String> {
    let named = format!("define('{module}', [");
    let rest = bundle.trim_start().strip_prefix(&named).unwrap_or_else(|| panic!("bundle.js starts with {named}"));
    let list = &rest[..rest.find(']').expect("the dependency list ends")];
    list.split(',').map(|d| d.trim().trim_matches(['\'', '"']).to_owned()).filter(|d| !d.is_empty()).collect()
}

#[test]
fn the_zips_hold_the_manifest_the_bundle_and_the_same_app_assets() {
    let assets = |build| {
        let mut entries = zip_entries(build);
        entries.retain(|name, _| name.starts_with("assets/"));
        entries
    };
    assert!(assets(NG15) == assets(NG17), "both builds carry the same app");
    for build in BUILDS {
        zip_holds_the_manifest_the_bundle_and_the_app_assets(build);
    }
}

fn zip_holds_the_manifest_the_bundle_and_the_app_assets(build: Build) {
    let entries = zip_entries(build);
    let names: BTreeSet<&str> = entries.keys().map(String::as_str).collect();
    for required in ["manifest.json", "bundle.js", "assets/index.html"] {
        assert!(names.contains(required), "the zip lacks {required}: {names:?}");
    }
    // The app's assets under content-hashed names, as the index names them; no compressed copies.
    let index = String::from_utf8_lossy(&entries["assets/index.html"]).into_owned();
    let hashed = |stem: &str, ext: &str| {
        let name = names
            .iter()
            .find(|n| {
                n.strip_prefix(&format!("assets/{stem}."))
                    .and_then(|r| r.strip_suffix(ext))
                    .is_some_and(|h| h.len() == 16)
            })
            .unwrap_or_else(|| panic!("the zip lacks assets/{stem}.<hash>{ext}: {names:?}"));
        assert!(index.contains(name.trim_start_matches("assets/")), "index.html names {name}");
        name.to_string()
    };
    let wasm = hashed("stratus_frontend_bg", ".wasm");
    hashed("stratus_frontend", ".js");
    hashed("style", ".css");
    assert!(!names.iter().any(|n| n.ends_with(".br") || n.ends_with(".gz")), "{names:?}");
    for name in &names {
        assert!(
            matches!(*name, "manifest.json" | "bundle.js") || name.starts_with("assets/"),
            "{name} is outside assets/"
        );
    }
    assert!(entries[&wasm].starts_with(b"\0asm"), "the wasm is a WASM module");

    // The app knows it runs in vCD, and loads its files relative to the id-bearing asset path.
    // No inline script (the portal's CSP): the config is assets/config.js, the start a module file.
    let index = text(&entries, "assets/index.html");
    let config = text(&entries, "assets/config.js");
    assert!(config.contains(r#""mode":"vcd""#) && config.contains(r#""routing":"ext-api""#), "{config}");
    assert!(index.contains(r#"<script src="./config.js"></script>"#), "{index}");
    assert!(!index.contains("<script>") && !index.contains("<script type=\"module\">"), "{index}");
    assert!(!index.contains("style=") && !index.contains("<style"), "no inline style: {index}");
    hashed("boot", ".js");
    for absolute in ["src=\"/", "href=\"/", "from '/", "from \"/"] {
        assert!(!index.contains(absolute), "index.html has an absolute URL ({absolute}): {index}");
    }
}

#[test]
fn the_manifests_follow_the_field_rules() {
    for build in BUILDS {
        manifest_follows_the_field_rules(build);
    }
}

fn manifest_follows_the_field_rules(build: Build) {
    let entries = zip_entries(build);
    let manifest: Value = serde_json::from_str(&text(&entries, "manifest.json")).expect("manifest.json is JSON");
    let bundle = text(&entries, "bundle.js");
    let string = |key: &str| {
        manifest[key].as_str().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| panic!("{key} is not a string"))
    };

    let urn = string("urn");
    assert!(is_urn(urn), "urn {urn:?}");
    string("name");
    string("description");
    string("vendor");
    string("license");
    assert!(string("link").starts_with("https://"), "link");
    assert_eq!(string("version"), env!("CARGO_PKG_VERSION"), "version = the workspace version");
    // vCD 10.5's Angular 15 plugins: manifest 3.0.0, product 10.5; 10.6's Angular 17 plugins:
    // manifest 4.0.0 without productVersions, as VMware's skeleton has it.
    assert_eq!(string("manifestVersion"), build.manifest_version);
    assert!(is_version(string("containerVersion")), "containerVersion");
    let products = if build.angular == "15" { serde_json::json!(["10.5"]) } else { Value::Null };
    assert_eq!(manifest["productVersions"], products, "{build:?}");
    // The top-level module and route are mandatory; the bundle is an AMD module of that name.
    let module = string("module");
    let top_route = string("route");
    assert!(bundle.contains(&format!("exports.{module} = {module};")), "bundle.js does not export {module}");
    assert_eq!(manifest["permissions"], serde_json::json!([]));
    let scope: BTreeSet<&str> =
        manifest["scope"].as_array().expect("scope").iter().map(|s| s.as_str().expect("scope value")).collect();
    assert_eq!(scope, BTreeSet::from(["tenant", "service-provider"]));

    let points = manifest["extensionPoints"].as_array().expect("extensionPoints");
    let mut urns = BTreeSet::new();
    for point in points {
        let field = |key: &str| point[key].as_str().unwrap_or_else(|| panic!("extension point without {key}: {point}"));
        assert!(is_urn(field("urn")) && urns.insert(field("urn")), "unique extension point urn: {point}");
        field("type");
        field("name");
        field("description");
        assert!(point.get("module").is_none() || point.get("component").is_none(), "module and component: {point}");
        if let Some(module) = point["module"].as_str() {
            assert!(bundle.contains(&format!("exports.{module} = {module};")), "bundle.js does not export {module}");
        }
    }
    let primary = points.iter().find(|p| p["type"] == "navigation:primary").expect("a navigation:primary point");
    assert_eq!(primary["module"], "StratusPluginModule");
    let route = primary["route"].as_str().expect("navigation:primary has a route");
    for route in [route, top_route] {
        assert!(!route.is_empty() && route.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "route {route:?}");
    }
    assert_ne!(route, top_route, "the extension point's route is a segment of its own");

    // Every %key% placeholder is translated in every locale, English included.
    let locales = manifest["locales"].as_object().expect("locales");
    assert!(locales.contains_key("en"), "an en locale");
    for point in points {
        for key in ["name", "description"] {
            let value = point[key].as_str().unwrap_or_default();
            if let Some(placeholder) = value.strip_prefix('%').and_then(|v| v.strip_suffix('%')) {
                for (locale, texts) in locales {
                    assert!(texts[placeholder].is_string(), "{locale} lacks {placeholder}");
                }
            }
        }
    }

    // One AMD module whose dependencies the portal supplies (the vCD plugin builder's externals).
    for dep in amd_dependencies(&bundle, module) {
        let host_supplied = dep == "exports"
            || ["@angular/", "@ngrx/", "@clr/"].iter().any(|p| dep.starts_with(p))
            || dep == "rxjs"
            || dep.starts_with("rxjs/")
            || dep == "@vcd/common"
            || dep == "@vcd-ui/common";
        assert!(host_supplied, "bundle.js depends on {dep}, which the portal does not supply");
    }
    assert!(!bundle.contains("ɵɵngDeclare"), "bundle.js is fully AOT-compiled (no partial declarations)");
}

/// One API call seen by the ext-api proxy.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    status: u16,
    authorization: Option<String>,
    /// The app's own copy of its token (`api_types::VCD_TOKEN_HEADER`).
    app_token: Option<String>,
}

/// The Content-Security-Policy the plugin's assets are served with: no inline script or style.
const PORTAL_CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; report-uri /csp-report";

#[derive(Clone)]
struct Proxy {
    client: reqwest::Client,
    backend: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// vCD's external endpoint: `/ext-api/stratus/<rest>` → `<rootUrl>/<rest>`.
async fn ext_api(State(proxy): State<Proxy>, Path(rest): Path<String>, request: Request) -> Response {
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let method = request.method().clone();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 16 << 20).await.expect("request body");
    let mut forward = proxy.client.request(method, format!("{}/{rest}{query}", proxy.backend)).body(body);
    for (name, value) in &headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            forward = forward.header(name, value);
        }
    }
    let answer = match forward.send().await {
        Ok(answer) => answer,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    proxy.seen.lock().unwrap().push(Seen {
        path: format!("/{rest}"),
        status: answer.status().as_u16(),
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
        app_token: headers.get(api_types::VCD_TOKEN_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned),
    });
    let status = answer.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !matches!(name.as_str(), "content-length" | "transfer-encoding" | "connection") {
            out_headers.insert(name, value.clone());
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    (status, out_headers, Body::from(bytes)).into_response()
}

/// Unpacks the zip into a directory, as vCD keeps a plugin's files.
fn unpack_plugin(build: Build) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("plugin dir");
    for (name, content) in zip_entries(build) {
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write plugin file");
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_10_5_portal_loads_the_angular_15_plugin_and_the_app_calls_the_api_with_the_session_token() {
    portal_loads_the_plugin(NG15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_10_6_portal_loads_the_angular_17_plugin_and_the_app_calls_the_api_with_the_session_token() {
    portal_loads_the_plugin(NG17).await;
}

/// Waits until the emulated portal started the plugin, or fails with what the portal reported.
async fn portal_started(browser: &Browser) {
    let settled = browser.wait_for("body[data-portal='started'], #portal-error:not([hidden])", "the portal").await;
    if settled.attr("id").await.unwrap().as_deref() == Some("portal-error") {
        panic!("the portal failed: {}", settled.text().await.unwrap());
    }
}

/// The screenshot's name: the 10.5 build's keep their names, the others carry their Angular.
fn shot_name(build: Build, scope: &str) -> String {
    if build.angular == "15" {
        format!("plugin-portal-{scope}")
    } else {
        format!("plugin-portal-{scope}-angular{}", build.angular)
    }
}

/// Nothing says that vCD serves a plugin's `.wasm` files as `application/wasm` (which
/// `WebAssembly.instantiateStreaming` insists on); here they come as `application/octet-stream`,
/// so the app must load the shell's module and each area's from the bytes.
async fn wasm_without_its_media_type(request: Request, next: axum::middleware::Next) -> Response {
    let wasm = request.uri().path().ends_with(".wasm");
    let mut response = next.run(request).await;
    if wasm {
        let octets = axum::http::HeaderValue::from_static("application/octet-stream");
        response.headers_mut().insert(axum::http::header::CONTENT_TYPE, octets);
    }
    response
}

async fn portal_loads_the_plugin(build: Build) {
    let shell_vendor = workspace_root().join("plugin-shell").join(build.shell).join("dist").join("portal");
    assert!(
        shell_vendor.join("angular-core.js").is_file(),
        "{} is missing: run `cargo xtask plugin` (cargo xtask test does)",
        shell_vendor.display()
    );
    let plugin = unpack_plugin(build);
    let app = TestApp::start(Db::Sqlite).await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;

    let seen = Arc::new(Mutex::new(Vec::new()));
    let proxy = Proxy { client: reqwest::Client::new(), backend: app.url(""), seen: seen.clone() };
    // The browser reports what the policy blocked here.
    let violations: Arc<Mutex<Vec<String>>> = Arc::default();
    let reports = violations.clone();
    let report = move |body: String| async move {
        reports.lock().unwrap().push(body);
        StatusCode::NO_CONTENT
    };
    let plugin_assets = tower_http::set_header::SetResponseHeader::overriding(
        ServeDir::new(plugin.path()),
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(PORTAL_CSP),
    );
    let router = Router::new()
        .route("/ext-api/stratus/{*rest}", any(ext_api))
        .with_state(proxy)
        .route("/csp-report", axum::routing::post(report))
        .nest_service("/portal/vendor", ServeDir::new(shell_vendor))
        .nest_service("/portal", ServeDir::new(workspace_root().join("tests").join("portal")))
        .nest_service("/tenant/uiPlugins/stratus/1", plugin_assets)
        .layer(axum::middleware::from_fn(wasm_without_its_media_type));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move { axum::serve(listener, router).await.expect("serve portal") });

    let browser = Browser::start().await;
    let page = format!(
        "{origin}/portal/index.html?plugin=/tenant/uiPlugins/stratus/1/&apiRoot={origin}&token={token}\
         &org=acme&orgId=urn:vcloud:org:7f3c&scope=tenant"
    );
    browser.client.goto(&page).await.expect("open the portal");
    portal_started(&browser).await;
    let frame = browser.wait_for("portal-root stratus-shell iframe#stratus-frame", "the plugin's iframe").await;
    let src = frame.attr("src").await.expect("src").unwrap_or_default();
    assert!(
        src.starts_with(&format!("{origin}/tenant/uiPlugins/stratus/1/assets/index.html?parentOrigin=")),
        "the iframe loads the app from the plugin's assets: {src}"
    );
    let url = browser.client.current_url().await.expect("url");
    assert!(url.as_str().ends_with("#/stratus-app"), "at the extension point's route: {url}");
    let angular = browser.client.find(Locator::Css("#portal-angular")).await.expect("the portal's Angular");
    let angular = angular.text().await.unwrap();
    assert!(angular.starts_with(&format!("Angular {}.", build.angular)), "{angular} portal for {build:?}");

    // Inside the iframe: the app signed in with the portal's token, for the portal's org, and
    // draws no header of its own under the portal's (vCD shows the org and the user).
    frame.enter_frame().await.expect("enter the iframe");
    browser
        .wait_for("#page-functions[data-state='empty'], #page-functions[data-state='ready']", "the functions page")
        .await;
    let headers = browser.client.find_all(Locator::Css("header, #app-header, #org-switcher")).await.unwrap();
    assert!(headers.is_empty(), "the app drew a header of its own inside the portal");
    let first_nav = browser.client.find(Locator::Css(".sidenav .nav-group-label")).await.unwrap();
    assert_eq!(first_nav.text().await.unwrap(), "Services", "a tenant sees no provider pages");
    browser.client.enter_parent_frame().await.expect("leave the iframe");
    let shot = browser.screenshot(&shot_name(build, "tenant")).await;
    eprintln!("screenshot: {}", shot.display());

    // Every API call went through vCD's ext-api path with the session token, and succeeded.
    let calls = seen.lock().unwrap().clone();
    let bearer = format!("Bearer {token}");
    for path in ["/api/me", "/api/org/acme/functions"] {
        let call = calls.iter().find(|c| c.path == path).unwrap_or_else(|| panic!("no call to {path}: {calls:?}"));
        assert_eq!(call.status, 200, "{call:?}");
        assert_eq!(call.authorization.as_deref(), Some(bearer.as_str()), "{path} carried the session token");
        assert_eq!(call.app_token.as_deref(), Some(token.as_str()), "{path} carried the token in the app's header");
    }

    // The portal renews its token: the shell re-posts it and the app's next calls carry it.
    let renewed = app.token(Role::TenantAdmin, Some("acme")).await;
    let script = "window.__portalTokenHolder.token = arguments[0];";
    browser.client.execute(script, vec![renewed.clone().into()]).await.expect("renew the token");
    // The shell checks for a new token every 2 s.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let renewed_bearer = format!("Bearer {renewed}");
    let frame = browser.wait_for("iframe#stratus-frame", "the plugin's iframe").await;
    frame.enter_frame().await.expect("enter the iframe");
    browser.client.execute("window.location.hash = '#/showback';", vec![]).await.expect("open showback");
    let started = Instant::now();
    loop {
        let used = seen.lock().unwrap().iter().any(|c| c.authorization.as_deref() == Some(renewed_bearer.as_str()));
        if used {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no call with the renewed token: {:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed: Vec<Seen> = seen.lock().unwrap().iter().filter(|c| c.status >= 400).cloned().collect();
    assert!(failed.is_empty(), "failed API calls: {failed:?}");
    // The provider portal: the provider views come first, and the org is picked above the page
    // (still no header of the app's own).
    let provider = app.token(Role::Provider, None).await;
    let page = format!(
        "{origin}/portal/index.html?plugin=/tenant/uiPlugins/stratus/1/&apiRoot={origin}&token={provider}\
         &org=System&orgId=urn:vcloud:org:0000&scope=service-provider"
    );
    browser.client.goto(&page).await.expect("open the provider portal");
    let frame = browser.wait_for("portal-root stratus-shell iframe#stratus-frame", "the plugin's iframe").await;
    frame.enter_frame().await.expect("enter the iframe");
    // It opens on the provider views, which lead the nav; an org's views get the org picker.
    browser.wait_for("#page-provider-showback", "the provider's tenant costs").await;
    let first_nav = browser.client.find(Locator::Css(".sidenav .nav-group-label")).await.unwrap();
    assert_eq!(first_nav.text().await.unwrap(), "Provider", "the provider views lead");
    assert!(browser.client.find_all(Locator::Css("#org-bar")).await.unwrap().is_empty(), "no org picker there");
    let headers = browser.client.find_all(Locator::Css("header, #app-header")).await.unwrap();
    assert!(headers.is_empty(), "the app drew a header of its own inside the provider portal");
    browser.client.enter_parent_frame().await.expect("leave the iframe");
    let shot = browser.screenshot(&shot_name(build, "provider")).await;
    eprintln!("screenshot: {}", shot.display());
    let frame = browser.wait_for("iframe#stratus-frame", "the plugin's iframe").await;
    frame.enter_frame().await.expect("enter the iframe");
    browser.client.find(Locator::Css("#nav-functions")).await.unwrap().click().await.unwrap();
    browser.wait_for("#org-bar #org-switcher", "the org picker above the org's views").await;
    browser.client.enter_parent_frame().await.expect("leave the iframe");

    // Under the portal's policy (no inline script or style) the app ran, and nothing was blocked
    // (the browser posts a report per blocked script, style or connection to /csp-report).
    assert_eq!(violations.lock().unwrap().clone(), Vec::<String>::new(), "CSP violations");

    browser.close().await;
    server.abort();
    app.shutdown().await;
}
