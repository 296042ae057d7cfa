//! Secrets: API keys and tokens, made here, shown once, stored only as hashes.
//!
//! Keys are 40 base62 characters (about 238 bits) after a public prefix, so a plain SHA-256
//! is enough to store them: there is nothing to brute-force, and lookups stay one index probe.

use rand::RngExt as _;
use sha2::{Digest, Sha256};
use std::fmt;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_LEN: usize = 40;
/// How many characters of a key stay visible in listings (`al_live_ab12`).
const VISIBLE_PREFIX_LEN: usize = 12;

/// A string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it must leave the process (a response shown once, a wire).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Live keys reach real carriers and are billed; test keys only ever use the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyMode {
    Live,
    Test,
}

impl ApiKeyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "live" => Some(Self::Live),
            "test" => Some(Self::Test),
            _ => None,
        }
    }
}

/// A secret just made: the full value (to show once) and what is stored.
pub struct GeneratedSecret {
    pub value: SecretString,
    pub hash: String,
    pub visible_prefix: String,
}

impl fmt::Debug for GeneratedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedSecret").field("visible_prefix", &self.visible_prefix).finish_non_exhaustive()
    }
}

impl GeneratedSecret {
    /// A new secret `PREFIX` + 40 random base62 characters.
    pub fn generate(prefix: &str) -> Self {
        let mut rng = rand::rng();
        let body: String = (0..SECRET_LEN).map(|_| BASE62[rng.random_range(0..BASE62.len())] as char).collect();
        let value = format!("{prefix}{body}");
        Self {
            hash: hash_secret(&value),
            visible_prefix: value.chars().take(VISIBLE_PREFIX_LEN).collect(),
            value: SecretString(value),
        }
    }

    pub fn api_key(mode: ApiKeyMode) -> Self {
        Self::generate(&format!("al_{}_", mode.as_str()))
    }

    pub fn admin_token() -> Self {
        Self::generate("al_admin_")
    }
}

/// The stored form of a secret: lowercase hex SHA-256.
pub fn hash_secret(value: &str) -> String {
    Sha256::digest(value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The mode a presented key claims by its prefix; `None` for anything that is not an API key.
pub fn api_key_mode_of(presented: &str) -> Option<ApiKeyMode> {
    if presented.starts_with("al_live_") {
        Some(ApiKeyMode::Live)
    } else if presented.starts_with("al_test_") {
        Some(ApiKeyMode::Test)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_prefix_length_and_matching_hash() {
        let k = GeneratedSecret::api_key(ApiKeyMode::Test);
        assert!(k.value.expose().starts_with("al_test_"));
        assert_eq!(k.value.expose().len(), 8 + SECRET_LEN);
        assert_eq!(k.hash, hash_secret(k.value.expose()));
        assert_eq!(k.visible_prefix, &k.value.expose()[..12]);
        assert_eq!(api_key_mode_of(k.value.expose()), Some(ApiKeyMode::Test));
    }

    #[test]
    fn two_keys_differ() {
        let a = GeneratedSecret::api_key(ApiKeyMode::Live);
        let b = GeneratedSecret::api_key(ApiKeyMode::Live);
        assert_ne!(a.value, b.value);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let k = GeneratedSecret::admin_token();
        let secret = k.value.expose().to_owned();
        assert!(!format!("{k:?}").contains(&secret));
        assert!(!format!("{:?}", k.value).contains(&secret));
        assert!(!format!("{:#?}", SecretString::new("hunter2")).contains("hunter2"));
    }
}
