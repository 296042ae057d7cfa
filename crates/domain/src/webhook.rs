//! Standard Webhooks signatures (<https://www.standardwebhooks.com>).
//!
//! A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, with one
//! `v1,…` entry per active secret (two during a secret rotation). Secrets look like
//! `whsec_<base64>`; the HMAC key is the decoded bytes after the prefix.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a timestamp may be from now before a delivery is refused as stale or replayed.
pub const TOLERANCE_SECS: i64 = 5 * 60;

const PREFIX: &str = "whsec_";

/// Why a delivery does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the secret is not a whsec_ secret")]
    BadSecret,
    #[error("webhook-timestamp is not a number")]
    BadTimestamp,
    #[error("webhook-timestamp is more than five minutes from now")]
    StaleTimestamp,
    #[error("no signature matches")]
    NoMatch,
}

/// A new random secret.
pub fn generate_secret() -> String {
    use rand::RngExt as _;
    let bytes: [u8; 24] = rand::rng().random();
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

fn key_bytes(secret: &str) -> Result<Vec<u8>, VerifyError> {
    let encoded = secret.strip_prefix(PREFIX).ok_or(VerifyError::BadSecret)?;
    STANDARD.decode(encoded).map_err(|_| VerifyError::BadSecret)
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `v1,<base64>` signature of one delivery under one secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, VerifyError> {
    let key = key_bytes(secret)?;
    Ok(format!("v1,{}", STANDARD.encode(mac(&key, id, timestamp, body).finalize().into_bytes())))
}

/// Klen AI's `x-klen-signature`: hex HMAC-SHA256 of the raw body, keyed with the secret string
/// exactly as the endpoint was given it (Klen's receivers compute it that way).
pub fn klen_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The `webhook-signature` header value for all of `secrets`, space separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Result<String, VerifyError> {
    let signatures = secrets.iter().map(|s| sign(s, id, timestamp, body)).collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// Checks a delivery as a receiver should: a fresh timestamp, and a `v1` signature that
/// matches in constant time.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let key = key_bytes(secret)?;
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(VerifyError::StaleTimestamp);
    }
    let expected = mac(&key, id, timestamp, body);
    let matches = signature_header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if matches { Ok(()) } else { Err(VerifyError::NoMatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification's reference test vectors.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn klen_signature_is_the_hex_hmac_of_the_body_under_the_secret_string() {
        // RFC 2104's well-known example pair.
        let hex = klen_signature("key", b"The quick brown fox jumps over the lazy dog");
        assert_eq!(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    #[test]
    fn matches_the_specification_vector() {
        assert_eq!(sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY.as_bytes()).unwrap(), SPEC_SIGNATURE);
        verify(SPEC_SECRET, SPEC_ID, &SPEC_TS.to_string(), SPEC_SIGNATURE, SPEC_BODY.as_bytes(), SPEC_TS + 10).unwrap();
    }

    #[test]
    fn a_changed_byte_fails() {
        let mut body = SPEC_BODY.as_bytes().to_vec();
        body[3] ^= 1;
        assert_eq!(
            verify(SPEC_SECRET, SPEC_ID, &SPEC_TS.to_string(), SPEC_SIGNATURE, &body, SPEC_TS),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(SPEC_SECRET, "msg_other", &SPEC_TS.to_string(), SPEC_SIGNATURE, SPEC_BODY.as_bytes(), SPEC_TS),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn stale_or_future_timestamps_fail() {
        let ts = SPEC_TS.to_string();
        assert_eq!(
            verify(SPEC_SECRET, SPEC_ID, &ts, SPEC_SIGNATURE, SPEC_BODY.as_bytes(), SPEC_TS + 301),
            Err(VerifyError::StaleTimestamp)
        );
        assert_eq!(
            verify(SPEC_SECRET, SPEC_ID, &ts, SPEC_SIGNATURE, SPEC_BODY.as_bytes(), SPEC_TS - 301),
            Err(VerifyError::StaleTimestamp)
        );
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let new = generate_secret();
        let header = signature_header(&[&new, SPEC_SECRET], SPEC_ID, SPEC_TS, SPEC_BODY.as_bytes()).unwrap();
        assert_eq!(header.split(' ').count(), 2);
        verify(SPEC_SECRET, SPEC_ID, &SPEC_TS.to_string(), &header, SPEC_BODY.as_bytes(), SPEC_TS).unwrap();
        verify(&new, SPEC_ID, &SPEC_TS.to_string(), &header, SPEC_BODY.as_bytes(), SPEC_TS).unwrap();
        assert_eq!(
            verify(&generate_secret(), SPEC_ID, &SPEC_TS.to_string(), &header, SPEC_BODY.as_bytes(), SPEC_TS),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn garbage_never_panics() {
        assert_eq!(verify("nope", "a", "1", "v1,x", b"", 1), Err(VerifyError::BadSecret));
        assert_eq!(verify(SPEC_SECRET, "a", "soon", "v1,x", b"", 1), Err(VerifyError::BadTimestamp));
        assert_eq!(verify(SPEC_SECRET, "a", "1", "v1,!!! v2,abc ,,,", b"", 1), Err(VerifyError::NoMatch));
    }
}
