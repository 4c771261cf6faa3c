//! Trusting the endpoint's certificate: vCD only connects to an HTTPS `rootUrl` whose
//! certificate is in the System org's trusted certificates, so `/ext-api` routing registers the
//! chain Stratus presents there (idempotent), unless told not to.

use sha2::{Digest as _, Sha256};
use vcd_client::{TrustedCertificate, VcdClient};

use crate::deploy::{DeployError, During as _, Progress};

/// The certificates `root_url` presents, the server's own first (read before anything changes).
pub(crate) async fn presented(root_url: &str) -> Result<Vec<String>, DeployError> {
    let url = root_url.to_owned();
    let read = tokio::task::spawn_blocking(move || vcd_client::presented_certificates(&url)).await;
    let read = read.map_err(|e| DeployError::Invalid(format!("reading the certificate of {root_url}: {e}")))?;
    read.map_err(|error| {
        DeployError::Invalid(format!(
            "cannot read the certificate of {root_url} ({error}); is Stratus serving HTTPS there? \
             --no-trust-cert skips this step"
        ))
    })
}

/// Adds each of `chain` that vCD does not trust yet.
pub(crate) async fn register(
    client: &VcdClient,
    root_url: &str,
    chain: &[String],
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let trusted = client.trusted_certificates().await.during(|| "listing the trusted certificates".into())?;
    let host = root_url.trim_start_matches("https://").trim_end_matches('/');
    for pem in chain {
        if let Some(known) = trusted.iter().find(|t| t.same_certificate(pem)) {
            progress.step(&format!("the certificate of {root_url} is trusted ({})", known.alias));
            continue;
        }
        let alias = format!("stratus {host} {}", fingerprint(pem));
        let certificate = TrustedCertificate { id: String::new(), alias: alias.clone(), certificate: pem.clone() };
        client
            .add_trusted_certificate(&certificate)
            .await
            .during(|| format!("trusting the certificate of {root_url}"))?;
        progress.step(&format!("trusted the certificate of {root_url} ({alias})"));
    }
    Ok(())
}

/// What to do by hand after `--no-trust-cert`.
pub(crate) fn manual_step(root_url: &str) -> String {
    format!(
        "skipped trusting the certificate of {root_url} (--no-trust-cert): vCD must trust it (Administration › \
         Certificate Management › Trusted Certificates › Import) before it registers or reaches the endpoint"
    )
}

/// The first 12 hex digits of the SHA-256 of the certificate's base64 (line breaks ignored).
fn fingerprint(pem: &str) -> String {
    hex::encode(Sha256::digest(vcd_client::pem_body(pem).as_bytes()))[..12].to_owned()
}
