//! `stratus package apply|releases|rollback|pull`: the commands that talk to a running Stratus
//! over its API, as the UI does (the server compiles, checks the plan and tells its replicas),
//! with a tenant token for an org's packages, or a provider token and `--provider` for the
//! provider's own.

use std::path::Path;

use anyhow::{Context as _, bail};
use api_types::{ApplyResult, ErrorBody, ListResponse, PackagePlan, PlanAction, Release};
use clap::Args;
use package::{Caps, Package};

/// Where the server is and who calls it.
#[derive(Args, Debug, Clone)]
pub struct Remote {
    /// The Stratus server, e.g. `https://stratus.example.com`.
    #[arg(long, env = "STRATUS_SERVER")]
    pub server: String,
    /// An API token of the org (or the provider's).
    #[arg(long, env = "STRATUS_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The org whose packages these are.
    #[arg(long, required_unless_present = "provider")]
    pub org: Option<String>,
    /// The provider's own packages (rate cards, collectors, per-org limits), with a provider token.
    #[arg(long, conflicts_with = "org")]
    pub provider: bool,
}

impl Remote {
    fn url(&self, path: &str) -> String {
        let server = self.server.trim_end_matches('/');
        match &self.org {
            Some(org) if !self.provider => format!("{server}/api/org/{org}/{path}"),
            _ => format!("{server}/api/provider/{path}"),
        }
    }

    /// What the packages are of, for people: `org acme` or `the provider`.
    fn scope(&self) -> String {
        match &self.org {
            Some(org) if !self.provider => format!("org {org}"),
            _ => "the provider".to_owned(),
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> anyhow::Result<T> {
        let response =
            request.bearer_auth(&self.token).send().await.with_context(|| format!("calling {}", self.server))?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).with_context(|| format!("reading the answer of {}", self.server));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => {
                for detail in &body.error.details {
                    eprintln!("  {}: {}", detail.field.as_deref().unwrap_or("-"), detail.reason);
                }
                bail!("{} ({status}, {})", body.error.message, body.error.code)
            }
            Err(_) => bail!("{} answered {status}: {}", self.server, String::from_utf8_lossy(&bytes)),
        }
    }
}

/// Plans a package on the server, prints the plan, and applies it when `yes`.
pub async fn apply(remote: &Remote, path: &Path, select: &[String], yes: bool) -> anyhow::Result<()> {
    let archive = archive_of(path)?;
    let client = reqwest::Client::new();
    eprintln!("verifying and planning {} on {} ({} bytes)…", path.display(), remote.server, archive.len());
    let plan: PackagePlan = remote.send(client.post(remote.url("packages/plan")).body(archive.clone())).await?;
    for signer in &plan.signers {
        println!("signed by {} (key {})", signer.principal, signer.key_id);
    }
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    crate::package_cli::print_plan(&plan);
    // Without --select the server applies everything but downgrades; a downgrade only when named.
    if let Some(unknown) = select.iter().find(|id| !plan.elements.iter().any(|e| &e.id == *id)) {
        bail!("the package has no element {unknown} (--select takes ids as the plan lists them)");
    }
    let picked = |e: &&api_types::ElementPlan| {
        if select.is_empty() { e.action != PlanAction::Downgrade } else { select.contains(&e.id) }
    };
    for element in plan.elements.iter().filter(|e| e.action == PlanAction::Downgrade && !picked(e)) {
        eprintln!("not applying {}: a downgrade is applied only when named with --select", element.id);
    }
    let changing = plan
        .elements
        .iter()
        .filter(picked)
        .filter(|e| {
            matches!(e.action, PlanAction::Create | PlanAction::Update | PlanAction::Conflict | PlanAction::Downgrade)
        })
        .count();
    if changing == 0 {
        println!("nothing to apply: every element is in place");
        return Ok(());
    }
    if !yes {
        println!("{changing} element(s) would change; run again with --yes to apply");
        return Ok(());
    }
    eprintln!("applying {changing} element(s)…");
    let mut query = vec![("plan", plan.fingerprint.clone())];
    if !select.is_empty() {
        query.push(("select", select.join(",")));
    }
    let request = client.post(remote.url("packages/apply")).query(&query).body(archive);
    let result: ApplyResult = remote.send(request).await?;
    match result.release {
        Some(release) => println!("release {}: {} element(s) changed", release.number, result.changed),
        None => println!("nothing changed"),
    }
    Ok(())
}

/// Lists the releases of the org (or the provider's).
pub async fn releases(remote: &Remote) -> anyhow::Result<()> {
    let list: ListResponse<Release> = remote.send(reqwest::Client::new().get(remote.url("packages/releases"))).await?;
    println!("{:<8} {:<26} {:<30} {:<24} elements", "release", "applied", "package", "signed by");
    for release in list.items {
        let signers: Vec<&str> = release.signers.iter().map(|s| s.principal.as_str()).collect();
        let package = match release.rollback_of {
            Some(n) => format!("{} (rollback to {n})", release.package),
            None => release.package.clone(),
        };
        let signers = if signers.is_empty() { "-".to_owned() } else { signers.join(",") };
        println!(
            "{:<8} {:<26} {package:<30} {signers:<24} {}",
            release.number,
            release.applied_at,
            release.elements.len()
        );
    }
    Ok(())
}

/// Rolls the org (or the provider's content) back to release `number`.
pub async fn rollback(remote: &Remote, number: i64) -> anyhow::Result<()> {
    let url = remote.url(&format!("packages/releases/{number}/rollback"));
    let result: ApplyResult = remote.send(reqwest::Client::new().post(url)).await?;
    match result.release {
        Some(release) => {
            println!("release {}: back to release {number}, {} element(s) changed", release.number, result.changed)
        }
        None => println!("{} holds what release {number} left already", remote.scope()),
    }
    Ok(())
}

/// Downloads the org's functions (or the provider's content) as a package (a folder for git, or a `.stratus` archive).
pub async fn pull(remote: &Remote, options: &stratus_core::packages::ExportOptions, out: &Path) -> anyhow::Result<()> {
    let mut query = Vec::new();
    for (name, list) in [("functions", &options.functions), ("lock", &options.lock)] {
        if !list.is_empty() {
            query.push((name, list.join(",")));
        }
    }
    if let Some(recipient) = &options.seal_to {
        query.push(("seal_to", recipient.clone()));
    }
    if options.history > 0 {
        query.push(("history", options.history.to_string()));
    }
    if remote.provider && !(options.functions.is_empty() && options.lock.is_empty() && options.history == 0) {
        bail!(
            "--function, --lock and --history are about an org's functions; a provider package holds the provider's content"
        );
    }
    let request = reqwest::Client::new().get(remote.url("packages/export")).query(&query);
    eprintln!("exporting the content of {} from {}…", remote.scope(), remote.server);
    let response =
        request.bearer_auth(&remote.token).send().await.with_context(|| format!("calling {}", remote.server))?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        bail!("{} answered {status}: {}", remote.server, String::from_utf8_lossy(&bytes));
    }
    let package = Package::from_archive(&bytes, Caps::default())?;
    crate::package_cli::write(&package, out)?;
    eprintln!("wrote {} ({} element(s))", out.display(), package.manifest()?.elements.len());
    Ok(())
}

/// Prints the server's recipient for sealed secret values.
pub async fn recipient(remote: &Remote) -> anyhow::Result<()> {
    let answer: api_types::PackageRecipient =
        remote.send(reqwest::Client::new().get(remote.url("packages/recipient"))).await?;
    println!("{}", answer.recipient);
    Ok(())
}

/// The archive bytes of a package folder or file.
fn archive_of(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.is_dir() {
        return Ok(Package::read_folder(path)?.to_archive()?);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}
