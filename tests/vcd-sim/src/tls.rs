//! An HTTPS endpoint with a fresh self-signed certificate, standing in for Stratus' `rootUrl`
//! where vCD (the simulator) and `stratus vcd deploy` look at its certificate. It completes TLS
//! handshakes and closes; nothing is served.

use std::net::TcpListener;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509, X509NameBuilder};

/// A listening endpoint; it stops accepting when the test process ends.
pub struct TlsEndpoint {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// Its certificate, PEM.
    pub certificate: String,
}

impl TlsEndpoint {
    pub fn start() -> TlsEndpoint {
        let (key, cert) = self_signed();
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("a TLS acceptor");
        acceptor.set_private_key(&key).expect("the key");
        acceptor.set_certificate(&cert).expect("the certificate");
        let acceptor = acceptor.build();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("https://{}", listener.local_addr().expect("its address"));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = acceptor.accept(stream);
            }
        });
        let certificate = String::from_utf8(cert.to_pem().expect("PEM")).expect("PEM is text");
        TlsEndpoint { url, certificate }
    }
}

fn self_signed() -> (PKey<Private>, X509) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let key = PKey::from_ec_key(EcKey::generate(&group).expect("an EC key")).expect("a key");
    let mut name = X509NameBuilder::new().expect("a name");
    name.append_entry_by_text("CN", "stratus test endpoint").expect("CN");
    let name = name.build();
    let mut cert = X509::builder().expect("a certificate");
    cert.set_version(2).expect("v3");
    let serial = BigNum::from_u32(rand::random::<u32>()).and_then(|n| n.to_asn1_integer()).expect("a serial");
    cert.set_serial_number(&serial).expect("serial");
    cert.set_subject_name(&name).expect("subject");
    cert.set_issuer_name(&name).expect("issuer");
    cert.set_pubkey(&key).expect("public key");
    cert.set_not_before(&Asn1Time::days_from_now(0).expect("now")).expect("not before");
    cert.set_not_after(&Asn1Time::days_from_now(2).expect("later")).expect("not after");
    let san = SubjectAlternativeName::new().ip("127.0.0.1").build(&cert.x509v3_context(None, None)).expect("SAN");
    cert.append_extension(san).expect("SAN extension");
    cert.sign(&key, MessageDigest::sha256()).expect("signed");
    (key, cert.build())
}
