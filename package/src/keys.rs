//! Ed25519 keys: the signing key an exporter keeps (a small JSON file) and the trusted keys an
//! importing instance keeps, each with a principal, an org scope, an expiry and a revocation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::PackageError;

/// Names a public key: the first 8 bytes of its SHA-256, in hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub String);

impl KeyId {
    pub fn of(public_key: &[u8]) -> KeyId {
        KeyId(hex::encode(&Sha256::digest(public_key)[..8]))
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A private signing key.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.id())
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: String,
    id: KeyId,
    public_key: String,
    private_key: String,
}

const KEY_FILE_TYPE: &str = "stratus-ed25519-signing-key";

impl SigningKey {
    pub fn generate() -> SigningKey {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The public key, base64.
    pub fn public_key(&self) -> String {
        BASE64.encode(self.0.verifying_key().as_bytes())
    }

    pub fn id(&self) -> KeyId {
        KeyId::of(self.0.verifying_key().as_bytes())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        self.0.sign(message).to_bytes().to_vec()
    }

    /// The key file's text (keep it private: it signs as you).
    pub fn to_file(&self) -> String {
        let file = KeyFile {
            kind: KEY_FILE_TYPE.to_owned(),
            id: self.id(),
            public_key: self.public_key(),
            private_key: BASE64.encode(self.0.to_bytes()),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn from_file(text: &str) -> Result<SigningKey, PackageError> {
        let bad = |why: &str| PackageError::Malformed(format!("not a Stratus signing key file: {why}"));
        let file: KeyFile = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        if file.kind != KEY_FILE_TYPE {
            return Err(bad("wrong type"));
        }
        let seed: [u8; 32] = BASE64
            .decode(file.private_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the private key is not 32 bytes of base64"))?;
        let key = SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed));
        if key.public_key() != file.public_key.trim() {
            return Err(bad("the public key does not match the private key"));
        }
        Ok(key)
    }
}

/// A key the importing instance trusts, as its trust store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedKey {
    pub id: KeyId,
    /// Who signs with it, as the provider named them when trusting it (`alice@dev-team`).
    pub principal: String,
    /// The Ed25519 public key, base64.
    pub public_key: String,
    /// The orgs whose packages it may sign; empty: any.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Milliseconds since the epoch after which it no longer counts.
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

impl TrustedKey {
    /// Trusts `public_key` (base64) for `principal`.
    pub fn new(principal: &str, public_key: &str) -> Result<TrustedKey, PackageError> {
        let bytes = decode_public(public_key)?;
        Ok(TrustedKey {
            id: KeyId::of(&bytes),
            principal: principal.to_owned(),
            public_key: public_key.trim().to_owned(),
            orgs: Vec::new(),
            expires_at: None,
            revoked: false,
        })
    }

    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = decode_public(&self.public_key) else { return false };
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&bytes) else { return false };
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else { return false };
        key.verify_strict(message, &signature).is_ok()
    }
}

fn decode_public(text: &str) -> Result<[u8; 32], PackageError> {
    BASE64
        .decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| PackageError::Malformed("a public key is 32 bytes of base64".to_owned()))
}
