//! [`DashboardCredentials`]: the API keys and secrets of `keys:` that open the dashboard,
//! checked in constant time.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

/// The SHA-256 digests of every configured key and secret. Comparing digests (always 32
/// bytes) instead of the strings keeps the lengths of the real key and secret out of the
/// comparison's timing, and every key is compared on every attempt, so the time taken says
/// neither which key matched nor whether one did.
pub struct DashboardCredentials {
    keys: Vec<Credential>,
}

struct Credential {
    key: String,
    key_digest: [u8; 32],
    secret_digest: [u8; 32],
}

impl std::fmt::Debug for DashboardCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.keys.iter().map(|c| c.key.as_str()).collect();
        f.debug_struct("DashboardCredentials")
            .field("keys", &keys)
            .finish()
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl DashboardCredentials {
    /// The credentials of a config's `keys:` (API key → secret).
    pub fn new(keys: &BTreeMap<String, String>) -> DashboardCredentials {
        DashboardCredentials {
            keys: keys
                .iter()
                .map(|(key, secret)| Credential {
                    key: key.clone(),
                    key_digest: digest(key),
                    secret_digest: digest(secret),
                })
                .collect(),
        }
    }

    /// The API key signed in with, when `key` and `secret` are a configured pair.
    pub fn check(&self, key: &str, secret: &str) -> Option<&str> {
        let key_digest = digest(key);
        let secret_digest = digest(secret);
        // 0: no match; i + 1: the i-th key matched. Selected without branching on secrets.
        let mut matched: u64 = 0;
        for (index, credential) in self.keys.iter().enumerate() {
            let same = credential.key_digest.ct_eq(&key_digest)
                & credential.secret_digest.ct_eq(&secret_digest);
            matched = u64::conditional_select(&matched, &(index as u64 + 1), same);
        }
        let index = usize::try_from(matched).ok()?.checked_sub(1)?;
        self.keys
            .get(index)
            .map(|credential| credential.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> DashboardCredentials {
        let mut keys = BTreeMap::new();
        keys.insert("devkey".to_owned(), "secret".to_owned());
        keys.insert("other".to_owned(), "another-secret".to_owned());
        DashboardCredentials::new(&keys)
    }

    #[test]
    fn a_configured_pair_signs_in_as_its_key() {
        let credentials = credentials();
        assert_eq!(credentials.check("devkey", "secret"), Some("devkey"));
        assert_eq!(credentials.check("other", "another-secret"), Some("other"));
    }

    #[test]
    fn a_secret_of_another_key_or_a_near_miss_is_refused() {
        let credentials = credentials();
        assert_eq!(credentials.check("devkey", "another-secret"), None);
        assert_eq!(credentials.check("devkey", "secre"), None);
        assert_eq!(credentials.check("devkey", "secret "), None);
        assert_eq!(credentials.check("unknown", "secret"), None);
        assert_eq!(credentials.check("", ""), None);
    }

    #[test]
    fn comparisons_are_made_on_fixed_length_digests_with_subtle() {
        // The constant-time property itself cannot be timed reliably in a unit test: this
        // proves the inputs reach the comparison as 32-byte digests whatever their length,
        // so `ct_eq` never returns early on a length difference.
        let credentials = credentials();
        for credential in &credentials.keys {
            assert_eq!(credential.key_digest.len(), 32);
            assert_eq!(credential.secret_digest.len(), 32);
        }
        assert_eq!(digest("x").len(), digest(&"x".repeat(10_000)).len());
        assert_eq!(credentials.check(&"x".repeat(10_000), "secret"), None);
    }
}
