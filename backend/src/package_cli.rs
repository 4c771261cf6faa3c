//! `stratus package …` and `stratus keys …`: content packages from the command line. Export,
//! expand and build work on files (a folder in git, or the single-file archive); sign uses a key
//! file the signer keeps; verify checks a package against this instance's trust store, which
//! `keys trust|revoke|list` manage.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use package::{Caps, Package, Policy, SigningKey, verify};
use stratus_core::Store;
use stratus_core::dates::{now_millis, rfc3339_from_millis};
use stratus_core::packages;

use crate::package_remote::{self, Remote};

#[derive(Subcommand)]
pub enum PackageCommand {
    /// Export an org's functions into a package: a folder (for git) or, with a `.stratus` name,
    /// the archive.
    Export {
        #[arg(long)]
        org: String,
        /// Only these functions (repeat the flag); default: every function of the org.
        #[arg(long = "function")]
        functions: Vec<String>,
        /// A folder, or a file ending in `.stratus`.
        #[arg(long)]
        out: PathBuf,
        /// Sign it with this key file (`stratus keys generate`).
        #[arg(long)]
        sign: Option<PathBuf>,
        /// Seal secret values to the target instance's recipient (`age1…`, from its
        /// `GET /api/org/{org}/packages/recipient`); without it secrets travel as empty slots.
        #[arg(long)]
        seal_to: Option<String>,
        /// Lock this function where the package is imported (repeat the flag): its code is not
        /// shown there, not editable, not exported; only a package signed by the same key
        /// changes it. The importing instance's operator can still read it.
        #[arg(long)]
        lock: Vec<String>,
        /// Also carry this many earlier versions of each function (a function the import
        /// creates arrives with them as its first versions; 0 to 20).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=20))]
        history: u32,
    },
    /// Expand an archive into a folder (which must be empty or missing).
    Expand {
        archive: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Build the archive of a folder: the same folder always gives the same bytes. A folder
    /// edited since its manifest is refused (sign it to pin the edit).
    Build {
        folder: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a signature (an author's, an approver's) to a package, folder or archive, in place. A
    /// folder whose files were edited since its manifest (in git) is pinned again first, and the
    /// signatures over the old manifest are dropped.
    Sign {
        package: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// Check a package: every file against its manifest, every signature against the trust store.
    Verify {
        package: PathBuf,
        /// The org it is meant for (a key may be trusted for some orgs only).
        #[arg(long)]
        org: Option<String>,
        /// Signatures by distinct trusted keys required (0: report signers, require none).
        #[arg(long, default_value_t = 1)]
        min_signatures: usize,
    },
    /// Show what a package holds and who signed it.
    Inspect { package: PathBuf },
    /// Plan a package (folder or archive) on a running server and, with `--yes`, apply it as a
    /// release of the org: all of it or the `--select`ed elements, in one transaction.
    Apply {
        package: PathBuf,
        #[command(flatten)]
        remote: Remote,
        /// Only these elements (`function:hello`; repeat the flag).
        #[arg(long)]
        select: Vec<String>,
        /// Apply without asking (otherwise only the plan is shown).
        #[arg(long)]
        yes: bool,
    },
    /// Print a running server's recipient (`age1…`): what exporters seal secret values to.
    Recipient {
        #[command(flatten)]
        remote: Remote,
    },
    /// The org's releases on a running server, newest first.
    Releases {
        #[command(flatten)]
        remote: Remote,
    },
    /// Make the org's functions serve what an earlier release left, as a new release.
    Rollback {
        release: i64,
        #[command(flatten)]
        remote: Remote,
    },
    /// Download an org's functions from a running server as a package: a folder (for git) or,
    /// with a `.stratus` name, the archive.
    Pull {
        #[command(flatten)]
        remote: Remote,
        /// Only these functions (repeat the flag); default: every function of the org.
        #[arg(long = "function")]
        functions: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// Seal secret values to the target instance's recipient (`age1…`).
        #[arg(long)]
        seal_to: Option<String>,
        /// Lock this function where the package is imported (repeat the flag).
        #[arg(long)]
        lock: Vec<String>,
        /// Also carry this many earlier versions of each function (a function the import
        /// creates arrives with them as its first versions; 0 to 20).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=20))]
        history: u32,
    },
    /// Verify a package, then show what importing it into an org would change (nothing is
    /// written): each element created, updated (fields and code as diffs) or unchanged, and
    /// each secret slot present or missing on this instance.
    Plan {
        package: PathBuf,
        #[arg(long)]
        org: String,
        /// Signatures by distinct trusted keys required (0: report signers, require none).
        #[arg(long, default_value_t = 1)]
        min_signatures: usize,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make a signing key file (keep it private) and print its public key.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Trust a public key (base64, or a key file) to sign packages, for one person or team.
    Trust {
        key: String,
        #[arg(long)]
        principal: String,
        /// Orgs it may sign for (repeat the flag); default: any.
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// Last day it counts, `YYYY-MM-DD` (UTC).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a trusted key by its id.
    Revoke { key_id: String },
    /// List the trusted keys.
    List,
}

/// Runs a package command; `store` opens this instance's database when the command needs it.
pub async fn package(
    command: PackageCommand,
    store: impl AsyncFnOnce() -> anyhow::Result<Store>,
) -> anyhow::Result<()> {
    match command {
        PackageCommand::Export { org, functions, out, sign, seal_to, lock, history } => {
            let store = store().await?;
            let options = packages::ExportOptions { functions, seal_to, lock, history };
            let mut package = packages::export_functions(&store, &org, &options).await?;
            if let Some(key) = sign {
                package.sign(&read_key(&key)?)?;
            }
            let count = package.manifest()?.elements.len();
            write(&package, &out)?;
            eprintln!("exported {count} function(s) of {org} to {}", out.display());
        }
        PackageCommand::Expand { archive, out } => {
            read(&archive)?.write_folder(&out)?;
            eprintln!("expanded into {}", out.display());
        }
        PackageCommand::Build { folder, out } => {
            let package = Package::read_folder(&folder)?;
            let changed = package.clone().repin()?;
            if !changed.is_empty() {
                bail!(
                    "{} changed since the manifest pinned it: sign the folder (stratus package sign {} --key …) \
                     to pin and sign what is there now",
                    changed.join(", "),
                    folder.display()
                );
            }
            std::fs::write(&out, package.to_archive()?).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("built {}", out.display());
        }
        PackageCommand::Sign { package: path, key } => {
            let key = read_key(&key)?;
            let mut package = read(&path)?;
            // A folder edited in git (a configuration value added…) is pinned again first;
            // signatures over the old manifest no longer hold and are dropped.
            let changed = if path.is_dir() { package.repin()? } else { Vec::new() };
            if !changed.is_empty() {
                eprintln!(
                    "pinned again ({} changed); earlier signatures dropped: ask co-signers to sign again",
                    changed.join(", ")
                );
            }
            package.sign(&key)?;
            if path.is_dir() {
                let file = |name: &str| package.files().get(name).cloned().unwrap_or_default();
                std::fs::write(path.join(package::MANIFEST), file(package::MANIFEST))?;
                std::fs::write(path.join(package::SIGNATURES), file(package::SIGNATURES))?;
            } else {
                std::fs::write(&path, package.to_archive()?)?;
            }
            eprintln!("signed {} with key {}", path.display(), key.id());
        }
        PackageCommand::Verify { package: path, org, min_signatures } => {
            let store = store().await?;
            let verified = checked(&store, &read(&path)?, &path, org.as_deref(), min_signatures).await?;
            println!("{}: verified, {} element(s)", path.display(), verified.manifest.elements.len());
        }
        PackageCommand::Plan { package: path, org, min_signatures, json } => {
            let store = store().await?;
            let package = read(&path)?;
            let verified = checked(&store, &package, &path, Some(&org), min_signatures).await?;
            let keys: Vec<String> = verified.signers.iter().map(|s| s.key_id.0.clone()).collect();
            let plan = packages::plan(&store, &org, &package, &keys).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print_plan(&plan);
            }
        }
        PackageCommand::Inspect { package: path } => inspect(&read(&path)?)?,
        PackageCommand::Apply { package: path, remote, select, yes } => {
            package_remote::apply(&remote, &path, &select, yes).await?;
        }
        PackageCommand::Releases { remote } => package_remote::releases(&remote).await?,
        PackageCommand::Rollback { release, remote } => package_remote::rollback(&remote, release).await?,
        PackageCommand::Pull { remote, functions, out, seal_to, lock, history } => {
            let options = packages::ExportOptions { functions, seal_to, lock, history };
            package_remote::pull(&remote, &options, &out).await?
        }
        PackageCommand::Recipient { remote } => package_remote::recipient(&remote).await?,
    }
    Ok(())
}

/// Runs a keys command.
pub async fn keys(command: KeysCommand, store: impl AsyncFnOnce() -> anyhow::Result<Store>) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { out } => {
            if out.exists() {
                bail!("{} exists: a key file is never overwritten", out.display());
            }
            let key = SigningKey::generate();
            write_private(&out, &key.to_file())?;
            eprintln!("wrote {} (key {}); keep it private. Its public key:", out.display(), key.id());
            println!("{}", key.public_key());
        }
        KeysCommand::Trust { key, principal, orgs, expires } => {
            let public = match std::fs::read_to_string(&key) {
                Ok(text) => SigningKey::from_file(&text).map(|k| k.public_key())?,
                Err(_) => key,
            };
            let expires_at = expires.as_deref().map(end_of_day).transpose()?;
            let store = store().await?;
            let trusted = packages::trust(&store, &principal, &public, orgs, expires_at).await?;
            println!("{}", trusted.id);
            eprintln!("trusted key {} for {}", trusted.id, trusted.principal);
        }
        KeysCommand::Revoke { key_id } => {
            packages::revoke(&store().await?, &key_id).await?;
            eprintln!("revoked {key_id}");
        }
        KeysCommand::List => {
            println!("{:<18} {:<24} {:<20} {:<26} state", "id", "principal", "orgs", "expires");
            for key in packages::trusted_keys(&store().await?).await? {
                let orgs = if key.orgs.is_empty() { "any".to_owned() } else { key.orgs.join(",") };
                let expires = key.expires_at.map_or_else(|| "never".to_owned(), rfc3339_from_millis);
                let state = if key.revoked { "revoked" } else { "trusted" };
                println!("{:<18} {:<24} {:<20} {:<26} {state}", key.id, key.principal, orgs, expires);
            }
        }
    }
    Ok(())
}

/// Verifies `package` against the trust store, printing its signers and warnings.
async fn checked(
    store: &Store,
    package: &Package,
    path: &Path,
    org: Option<&str>,
    min_signatures: usize,
) -> anyhow::Result<package::Verified> {
    let trust = packages::trusted_keys(store).await?;
    let policy = if min_signatures == 0 { Policy::Warn } else { Policy::Enforce { min_signatures } };
    match verify(package, &trust, org, now_millis(), policy) {
        Ok(verified) => {
            for signer in &verified.signers {
                println!("signed by {} (key {})", signer.principal, signer.key_id);
            }
            for warning in &verified.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(verified)
        }
        Err(refusals) => {
            for refusal in &refusals {
                eprintln!("{refusal}");
            }
            bail!("{} does not verify", path.display())
        }
    }
}

pub(crate) fn print_plan(plan: &packages::Plan) {
    let into = if plan.org.is_empty() { "this instance (provider content)".to_owned() } else { plan.org.clone() };
    println!("importing {} into {into}:", plan.package);
    for element in &plan.elements {
        let action = match &element.config {
            Some(_) => "config".to_owned(),
            None => format!("{:?}", element.action).to_lowercase(),
        };
        let locks = if element.locked { " (locks it)" } else { "" };
        println!("  {:<40} {action}{locks}", element.id);
        if let Some(config) = &element.config {
            let value = config.value.as_deref().unwrap_or("-");
            match &config.resolved {
                Some(found) => println!("    {} {value} → {found}", config.kind),
                None => println!("    {} {value}: not resolved", config.kind),
            }
        }
        if let Some(why) = &element.detail {
            println!("    {why}");
        }
        if let Some(why) = &element.blocked {
            println!("    blocked: {why}");
        }
        for field in &element.fields {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
            println!("    {}: {} → {}", field.field, show(&field.from), show(&field.to));
        }
        for file in &element.files {
            println!("    code/{} {}", file.path, file.change);
            for line in file.diff.lines() {
                println!("      {line}");
            }
        }
        for slot in &element.secrets {
            println!("    secret {}: {}", slot.name, slot.status);
        }
    }
}

fn inspect(package: &Package) -> anyhow::Result<()> {
    let manifest = package.manifest()?;
    println!("{} ({:?} package, format {})", manifest.name, manifest.kind, manifest.format);
    for element in &manifest.elements {
        let files = manifest.files.keys().filter(|p| p.starts_with(&format!("{}/", element.path))).count();
        println!(
            "  {:<40} {files} file(s){}",
            element.id(),
            element.reason.as_deref().map(|r| format!(", {r}")).unwrap_or_default()
        );
    }
    let keys: Vec<String> = package.signature_keys()?.into_iter().map(|k| k.0).collect();
    if keys.is_empty() {
        println!("unsigned");
    } else {
        println!("signed by key(s) {} (`stratus package verify` says whose)", keys.join(", "));
    }
    Ok(())
}

/// A folder or an archive.
fn read(path: &Path) -> anyhow::Result<Package> {
    if path.is_dir() {
        return Ok(Package::read_folder(path)?);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Package::from_archive(&bytes, Caps::default())?)
}

pub(crate) fn write(package: &Package, out: &Path) -> anyhow::Result<()> {
    if out.extension().is_some_and(|e| e == "stratus") {
        std::fs::write(out, package.to_archive()?).with_context(|| format!("writing {}", out.display()))
    } else {
        Ok(package.write_folder(out)?)
    }
}

fn read_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
    Ok(SigningKey::from_file(&text)?)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// The last millisecond of `YYYY-MM-DD` (UTC).
fn end_of_day(date: &str) -> anyhow::Result<i64> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .with_context(|| format!("--expires '{date}' is not YYYY-MM-DD"))?;
    let end = day.and_hms_milli_opt(23, 59, 59, 999).context("a time of day")?;
    Ok(end.and_utc().timestamp_millis())
}
