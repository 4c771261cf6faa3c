//! The System org's trusted certificates (`/cloudapi/1.0.0/ssl/trustedCertificates`): vCD only
//! connects to an HTTPS endpoint (an external endpoint's `rootUrl`) whose certificate is there.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::ext_endpoints::{decode_all, to_json};
use crate::session::{Api, Call};
use crate::{VcdClient, VcdError};

const PATH: &str = "/cloudapi/1.0.0/ssl/trustedCertificates";

/// A trusted certificate: PEM text under an alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedCertificate {
    /// `urn:vcloud:trustedCertificate:<uuid>`; empty before creation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub alias: String,
    /// One certificate, PEM.
    pub certificate: String,
}

impl TrustedCertificate {
    /// Whether both hold the same certificate, whatever their PEM line breaks.
    pub fn same_certificate(&self, pem: &str) -> bool {
        pem_body(&self.certificate) == pem_body(pem)
    }
}

/// The base64 of a PEM certificate without its BEGIN/END lines and whitespace: equal for the
/// same certificate however it was wrapped.
pub fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.trim_start().starts_with("-----")).flat_map(|l| l.trim().chars()).collect()
}

impl VcdClient {
    pub async fn trusted_certificates(&self) -> Result<Vec<TrustedCertificate>, VcdError> {
        decode_all(self.cloudapi_pages(PATH, None).await?, "trusted certificate")
    }

    pub async fn add_trusted_certificate(
        &self,
        certificate: &TrustedCertificate,
    ) -> Result<TrustedCertificate, VcdError> {
        let call = Call::new(Method::POST, Api::Json, PATH).body("application/json", to_json(certificate)?);
        self.execute(&call).await?.json()
    }
}

/// The certificates an HTTPS URL presents, PEM, the server's own first; read without
/// verifying them (that is what trusting them is for). Blocking: call it off the runtime.
pub fn presented_certificates(url: &str) -> Result<Vec<String>, VcdError> {
    use std::net::{TcpStream, ToSocketAddrs as _};
    use std::time::Duration;

    let parsed = reqwest::Url::parse(url).map_err(|e| VcdError::Protocol(format!("'{url}' is not a URL: {e}")))?;
    let unreachable = |why: String| VcdError::Unreachable(format!("{url}: {why}"));
    if parsed.scheme() != "https" {
        return Err(VcdError::Protocol(format!("'{url}' is not an https URL")));
    }
    let host = parsed.host_str().ok_or_else(|| VcdError::Protocol(format!("'{url}' has no host")))?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let address = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| unreachable(e.to_string()))?
        .next()
        .ok_or_else(|| unreachable("the host has no address".into()))?;
    let stream =
        TcpStream::connect_timeout(&address, Duration::from_secs(10)).map_err(|e| unreachable(e.to_string()))?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| unreachable(e.to_string()))?;
    let tls_error = |e: &dyn std::fmt::Display| unreachable(format!("TLS: {e}"));
    let mut connector =
        openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client()).map_err(|e| tls_error(&e))?;
    connector.set_verify(openssl::ssl::SslVerifyMode::NONE);
    let config = connector.build().configure().map_err(|e| tls_error(&e))?;
    let tls = config.verify_hostname(false).connect(host, stream).map_err(|e| tls_error(&e))?;
    let ssl = tls.ssl();
    let chain: Vec<openssl::x509::X509> = match ssl.peer_cert_chain() {
        Some(chain) if !chain.is_empty() => chain.iter().map(ToOwned::to_owned).collect(),
        _ => ssl.peer_certificate().into_iter().collect(),
    };
    if chain.is_empty() {
        return Err(unreachable("the server presented no certificate".into()));
    }
    chain
        .iter()
        .map(|cert| {
            let pem = cert.to_pem().map_err(|e| VcdError::Protocol(format!("a certificate of {url}: {e}")))?;
            String::from_utf8(pem).map_err(|e| VcdError::Protocol(e.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_do_not_make_another_certificate() {
        let stored = TrustedCertificate {
            id: String::new(),
            alias: "a".into(),
            certificate: "-----BEGIN CERTIFICATE-----\nMIIB\r\nAAAA\n-----END CERTIFICATE-----\n".into(),
        };
        assert!(stored.same_certificate("-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----"));
        assert!(!stored.same_certificate("-----BEGIN CERTIFICATE-----\nMIIBAAAB\n-----END CERTIFICATE-----"));
    }
}
