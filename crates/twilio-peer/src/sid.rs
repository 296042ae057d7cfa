//! Twilio resource identifiers: a two-letter type prefix and 32 lowercase hex digits.

/// A fresh identifier such as `CA` + 32 hex digits (calls) or `MZ` + 32 (media streams).
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn looks_like_twilios() {
        let sid = super::new_sid("CA");
        assert_eq!(sid.len(), 34);
        assert!(sid.starts_with("CA"));
        assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(sid, super::new_sid("CA"));
    }
}
