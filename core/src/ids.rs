//! The one id generator: `prefix_` and random hex, from the thread's cryptographic RNG.

use rand::RngCore as _;

/// `bytes` random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A new id for a stored object: `prefix_` and 16 hex digits (`rule_…`, `col_…`, `rate_…`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_hex(8))
}

/// An id for objects made at call rate (`inv_…`, `dlv_…`): 24 hex digits.
pub fn new_call_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_hex(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_length_and_differ() {
        let (a, b) = (new_id("rule"), new_id("rule"));
        assert!(a.starts_with("rule_") && a.len() == 5 + 16, "{a}");
        assert_ne!(a, b);
        let inv = new_call_id("inv");
        assert!(inv.starts_with("inv_") && inv.len() == 4 + 24, "{inv}");
        assert!(random_hex(6).chars().all(|c| c.is_ascii_hexdigit()));
    }
}
