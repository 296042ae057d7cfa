//! Small field checks shared by the API's request types.

/// A field that failed a check, with a message a client can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// Trims and checks a required text field's length in characters.
pub fn text(field: &'static str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    optional_text(field, trimmed, max_chars).map(|t| t.to_owned())
}

/// Checks an optional text field's length; empty is allowed.
pub fn optional_text<'a>(field: &'static str, value: &'a str, max_chars: usize) -> Result<&'a str, FieldError> {
    if value.chars().count() > max_chars {
        return Err(FieldError::new(field, format!("must be at most {max_chars} characters")));
    }
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(value)
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn email(value: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("email", "is not a valid email address");
    let (local, domain) = value.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && value.len() <= 254
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
        && !value.chars().any(char::is_whitespace);
    if ok { Ok(value.to_owned()) } else { Err(bad()) }
}

/// A name a vendor defines (a model, a voice id): 1 to `max_chars` printable characters, no spaces.
pub fn token(field: &'static str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let ok = (1..=max_chars).contains(&value.chars().count())
        && value.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(field, format!("must be 1 to {max_chars} characters without spaces")))
    }
}

/// A BCP 47 language tag such as `en-US` (letters and digits in `-`-separated parts).
pub fn language_tag(field: &'static str, tag: &str) -> Result<String, FieldError> {
    let ok = (2..=35).contains(&tag.len())
        && tag.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok { Ok(tag.to_owned()) } else { Err(FieldError::new(field, "must be a BCP 47 tag like en-US")) }
}

/// An optional whole number that must lie in `range` (`default` when absent); `unit` ends the
/// message (` seconds`, or nothing).
pub fn bounded(
    field: &'static str,
    value: Option<i64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    unit: &str,
) -> Result<i64, FieldError> {
    let value = value.unwrap_or(default);
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(field, format!("must be between {} and {}{unit}", range.start(), range.end())))
    }
}

/// An IANA time zone name such as `America/New_York`.
pub fn timezone(value: &str) -> Result<String, FieldError> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| FieldError::new("timezone", format!("`{value}` is not an IANA time zone like America/New_York")))
}

/// An absolute `http` or `https` URL.
pub fn http_url(field: &'static str, value: &str) -> Result<String, FieldError> {
    url_with_scheme(field, value, &["http", "https"], "an http or https URL with a host")
}

/// An absolute `ws` or `wss` URL (a WebSocket endpoint).
pub fn ws_url(field: &'static str, value: &str) -> Result<String, FieldError> {
    url_with_scheme(field, value, &["ws", "wss"], "a ws or wss URL with a host")
}

fn url_with_scheme(field: &'static str, value: &str, schemes: &[&str], what: &str) -> Result<String, FieldError> {
    let parsed = url::Url::parse(value).map_err(|e| FieldError::new(field, format!("is not a valid URL ({e})")))?;
    if !schemes.contains(&parsed.scheme()) || parsed.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::new(field, format!("must be {what}")));
    }
    if value.len() > 2048 {
        return Err(FieldError::new(field, "must be at most 2048 characters"));
    }
    Ok(value.to_owned())
}

/// An IP address or CIDR block, normalised to CIDR form.
pub fn ip_network(value: &str) -> Result<ipnet::IpNet, FieldError> {
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| FieldError::new("ip_allowlist", format!("`{value}` is not an IP address or CIDR block")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_bounds() {
        assert_eq!(text("name", "  Kai ", 10).unwrap(), "Kai");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn emails() {
        assert!(email("ada@example.com").is_ok());
        for bad in ["ada", "@example.com", "ada@example", "ada@@example.com", "a da@example.com", "ada@example..com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones() {
        assert_eq!(timezone("Europe/London").unwrap(), "Europe/London");
        assert!(timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn urls() {
        assert!(http_url("webhook_url", "https://example.com/hook").is_ok());
        assert!(http_url("webhook_url", "ftp://example.com").is_err());
        assert!(http_url("webhook_url", "not a url").is_err());
        assert!(ws_url("base_url", "wss://api.deepgram.com/v1/listen").is_ok());
        assert_eq!(ws_url("base_url", "https://api.deepgram.com").unwrap_err().field, "base_url");
    }

    #[test]
    fn tokens_and_language_tags() {
        assert_eq!(token("model", "nova-2", 10).unwrap(), "nova-2");
        for bad in ["", "two words", "a\u{7}b", "elevenchars"] {
            assert!(token("model", bad, 10).is_err(), "{bad:?}");
        }
        assert!(language_tag("language", "en-US").is_ok());
        assert!(language_tag("language", "en_US").is_err());
        assert!(language_tag("language", "e").is_err());
    }

    #[test]
    fn networks() {
        assert_eq!(ip_network("10.0.0.1").unwrap().to_string(), "10.0.0.1/32");
        assert_eq!(ip_network("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert!(ip_network("10.0.0.0/33").is_err());
    }
}
