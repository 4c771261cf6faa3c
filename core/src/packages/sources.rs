//! Package sources: other Stratus instances the provider registers (URL + a provider token of
//! theirs) for the orgs it names, from which each of those orgs pulls its namesake's export through the same verify, plan and apply
//! path as an uploaded archive (the seed's "synchronize"). Only the provider registers them, so
//! a tenant never makes this server call an address of its choosing.

use std::time::Duration;

use api_types::PackageSource;

use super::{PackagesError, instance_key};
use crate::dates::{now_millis, rfc3339_from_millis};
use crate::store::{SourceRow, Store};

/// Largest export fetched from a source (the archive reader's own cap is the same).
const MAX_FETCH_BYTES: usize = 64 * 1024 * 1024;
/// How long a source may take to answer.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// Registers a source; its token is sealed to this instance's key before it is stored.
pub async fn add_source(
    store: &Store,
    name: &str,
    url: &str,
    token: &str,
    orgs: Vec<String>,
) -> Result<PackageSource, PackagesError> {
    let valid_name = (1..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if !valid_name {
        return Err(PackagesError::Invalid("name: 1 to 63 lowercase letters, digits and '-'".to_owned()));
    }
    let parsed =
        reqwest::Url::parse(url.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    let Some(parsed) = parsed else {
        return Err(PackagesError::Invalid("url: an http:// or https:// base URL".to_owned()));
    };
    if token.trim().is_empty() {
        return Err(PackagesError::Invalid("token: a provider token of the source".to_owned()));
    }
    if orgs.is_empty() || orgs.iter().any(|o| o.trim().is_empty()) {
        return Err(PackagesError::Invalid("orgs: the orgs that may pull from it, at least one".to_owned()));
    }
    let key = instance_key(store).await?;
    let row = SourceRow {
        name: name.to_owned(),
        url: parsed.as_str().trim_end_matches('/').to_owned(),
        token_sealed: package::seal(&key.recipient(), token.trim())?,
        orgs: orgs.iter().map(|o| o.trim().to_owned()).collect(),
        created_at: now_millis(),
    };
    if !store.insert_package_source(&row).await? {
        return Err(PackagesError::Conflict(format!("a source named '{name}' exists already")));
    }
    Ok(dto(row))
}

/// Every source (`org`: only those that org may pull from).
pub async fn sources(store: &Store, org: Option<&str>) -> Result<Vec<PackageSource>, PackagesError> {
    let rows = store.package_sources().await?.into_iter();
    Ok(rows.filter(|r| org.is_none_or(|org| r.orgs.iter().any(|o| o == org))).map(dto).collect())
}

pub async fn remove_source(store: &Store, name: &str) -> Result<(), PackagesError> {
    if store.delete_package_source(name).await? {
        Ok(())
    } else {
        Err(PackagesError::NotFound(format!("no package source named '{name}'")))
    }
}

fn dto(row: SourceRow) -> PackageSource {
    PackageSource { name: row.name, url: row.url, orgs: row.orgs, created_at: rfc3339_from_millis(row.created_at) }
}

/// The export of `org` at source `name` (the same org name there), as archive bytes.
pub(super) async fn fetch(store: &Store, name: &str, org: &str) -> Result<Vec<u8>, PackagesError> {
    // A source another org may pull from is, to this one, not there.
    let row = store
        .package_source(name)
        .await?
        .filter(|r| r.orgs.iter().any(|o| o == org))
        .ok_or_else(|| PackagesError::NotFound(format!("no package source named '{name}' for org {org}")))?;
    let token = instance_key(store)
        .await?
        .open(&row.token_sealed)
        .ok_or_else(|| PackagesError::Source(format!("source '{name}': its token cannot be opened here")))?;
    let url = format!("{}/api/org/{org}/packages/export", row.url);
    let unreachable = |e: reqwest::Error| PackagesError::Source(format!("source '{name}' ({}): {e}", row.url));
    let client = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build().map_err(unreachable)?;
    let mut response = client.get(&url).bearer_auth(token).send().await.map_err(unreachable)?;
    let status = response.status();
    if !status.is_success() {
        let why = match status.as_u16() {
            401 | 403 => "refused this instance's token",
            404 => "has no such org",
            _ => "did not answer with a package",
        };
        return Err(PackagesError::Source(format!("source '{name}' {why} (HTTP {status} from {url})")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if bytes.len() + chunk.len() > MAX_FETCH_BYTES {
            return Err(PackagesError::Source(format!("source '{name}' sent more than {MAX_FETCH_BYTES} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
