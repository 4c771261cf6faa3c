//! Sealed secret values: encrypted to one instance's X25519 key with age, so a value can travel
//! in a package that only that instance opens. Nothing else about the value (not its hash, not
//! its length beyond age's padding-free framing) is written.

use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;

use crate::PackageError;

/// An instance's age identity: it opens what was sealed to its [`InstanceKey::recipient`].
pub struct InstanceKey(age::x25519::Identity);

impl InstanceKey {
    pub fn generate() -> InstanceKey {
        InstanceKey(age::x25519::Identity::generate())
    }

    /// From its secret form (`AGE-SECRET-KEY-1…`).
    pub fn from_secret(text: &str) -> Result<InstanceKey, PackageError> {
        age::x25519::Identity::from_str(text.trim())
            .map(InstanceKey)
            .map_err(|_| PackageError::Malformed("not an age X25519 identity".to_owned()))
    }

    /// The secret form, for the instance's own database only.
    pub fn secret(&self) -> String {
        self.0.to_string().expose_secret().to_owned()
    }

    /// What exporters seal to (`age1…`): public.
    pub fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }

    /// The value sealed in `armored`, or `None` when it was sealed to another instance (or is
    /// not a sealed value at all).
    pub fn open(&self, armored: &str) -> Option<String> {
        let bytes = age::decrypt(&self.0, armored.as_bytes()).ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// Seals `value` to `recipient` (`age1…`), ASCII-armored.
pub fn seal(recipient: &str, value: &str) -> Result<String, PackageError> {
    let recipient = age::x25519::Recipient::from_str(recipient.trim())
        .map_err(|_| PackageError::Malformed(format!("{recipient:?} is not an age X25519 recipient (age1…)")))?;
    age::encrypt_and_armor(&recipient, value.as_bytes()).map_err(|e| PackageError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_instance_sealed_to_opens_a_value() {
        let (prod, other) = (InstanceKey::generate(), InstanceKey::generate());
        let sealed = seal(&prod.recipient(), "hunter2").unwrap();
        assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(prod.open(&sealed).as_deref(), Some("hunter2"));
        assert_eq!(other.open(&sealed), None);
        assert_ne!(seal(&prod.recipient(), "hunter2").unwrap(), sealed, "each seal is fresh");
        let again = InstanceKey::from_secret(&prod.secret()).unwrap();
        assert_eq!(again.recipient(), prod.recipient());
        assert!(seal("age1nope", "x").is_err());
        assert_eq!(prod.open("not sealed"), None);
    }
}
