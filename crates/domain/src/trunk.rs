//! SIP trunk settings and their rules: how calls on a trunk are addressed and who they claim to be from.

use crate::validate::FieldError;
use std::fmt;
use std::str::FromStr;

/// The SIP transport a trunk is reached over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SipTransport {
    Udp,
    Tcp,
}

impl SipTransport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        }
    }
}

impl FromStr for SipTransport {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        match s {
            "udp" => Ok(Self::Udp),
            "tcp" => Ok(Self::Tcp),
            other => Err(FieldError::new("transport", format!("`{other}` is not one of: udp, tcp"))),
        }
    }
}

impl fmt::Display for SipTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the calling number goes in an INVITE. Many trunks refuse a From user that is not the
/// account's username (livekit/sip#333: 403 Forbidden) and want the number in P-Asserted-Identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallerIdMode {
    /// `From: <sip:+15550100@domain>`.
    From,
    /// `From: <sip:username@domain>` and `P-Asserted-Identity: <sip:+15550100@domain>`.
    PAssertedIdentity,
}

impl CallerIdMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::PAssertedIdentity => "p_asserted_identity",
        }
    }
}

impl FromStr for CallerIdMode {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        match s {
            "from" => Ok(Self::From),
            "p_asserted_identity" => Ok(Self::PAssertedIdentity),
            other => {
                Err(FieldError::new("caller_id_mode", format!("`{other}` is not one of: from, p_asserted_identity")))
            }
        }
    }
}

/// Headers the stack writes itself; a custom header must not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "via",
    "from",
    "to",
    "call-id",
    "cseq",
    "contact",
    "content-length",
    "content-type",
    "max-forwards",
    "authorization",
    "proxy-authorization",
    "route",
    "record-route",
];

/// A host name or IP literal for a trunk: letters, digits, dots, dashes, colons (IPv6) only.
pub fn host(field: &'static str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.len() <= 253
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(FieldError::new(field, "is not a valid host name or IP address"))
    }
}

/// A SIP user part (auth username): no spaces, separators or control characters.
pub fn sip_user(field: &'static str, value: &str) -> Result<String, FieldError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '@' | ':' | ';' | '<' | '>' | '"' | ','));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(field, "must be a SIP user name without spaces or @:;<>\","))
    }
}

/// A custom header to add to every INVITE: a token name that the stack does not own, and a
/// single-line value (a CR or LF would let the value inject headers).
pub fn custom_header(name: &str, value: &str) -> Result<(), FieldError> {
    let token = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '%' | '*' | '+' | '~'));
    if !token {
        return Err(FieldError::new("headers", format!("`{name}` is not a valid header name")));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(FieldError::new("headers", format!("`{name}` is set by agentline and cannot be overridden")));
    }
    if value.len() > 512 || value.chars().any(char::is_control) {
        return Err(FieldError::new(
            "headers",
            format!("the value of `{name}` must be one line of at most 512 characters"),
        ));
    }
    Ok(())
}

/// How a SIP final response that is not a success ends a call; the status line is kept as detail.
pub fn end_reason_for_status(code: u16) -> crate::call::EndReason {
    use crate::call::EndReason;
    match code {
        486 | 600 => EndReason::Busy,
        408 | 480 | 487 => EndReason::NoAnswer,
        603 => EndReason::Rejected,
        _ => EndReason::CarrierError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_and_modes_round_trip_their_names() {
        for t in [SipTransport::Udp, SipTransport::Tcp] {
            assert_eq!(t.as_str().parse::<SipTransport>(), Ok(t));
        }
        for m in [CallerIdMode::From, CallerIdMode::PAssertedIdentity] {
            assert_eq!(m.as_str().parse::<CallerIdMode>(), Ok(m));
        }
        assert!("tls".parse::<SipTransport>().is_err());
        assert!("pai".parse::<CallerIdMode>().is_err());
    }

    #[test]
    fn hosts_accept_names_and_addresses_only() {
        assert_eq!(host("host", " Sip.Example.COM ").as_deref(), Ok("sip.example.com"));
        assert!(host("host", "127.0.0.1").is_ok());
        assert!(host("host", "[::1]").is_ok());
        for bad in ["", "a b", "sip:x@y", "x/y", "evil\r\nVia: x"] {
            assert!(host("host", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn custom_headers_cannot_inject_or_override() {
        assert!(custom_header("X-Tenant", "acme").is_ok());
        assert!(custom_header("P-Preferred-Identity", "<sip:+15550100@x>").is_ok());
        assert!(custom_header("X-Evil", "a\r\nVia: SIP/2.0/UDP evil").is_err());
        assert!(custom_header("Via", "x").is_err());
        assert!(custom_header("call-id", "x").is_err());
        assert!(custom_header("Bad Name", "x").is_err());
        assert!(custom_header("", "x").is_err());
    }

    #[test]
    fn final_responses_map_to_end_reasons() {
        use crate::call::EndReason;
        for (code, reason) in [
            (486, EndReason::Busy),
            (600, EndReason::Busy),
            (408, EndReason::NoAnswer),
            (480, EndReason::NoAnswer),
            (487, EndReason::NoAnswer),
            (603, EndReason::Rejected),
            (403, EndReason::CarrierError),
            (404, EndReason::CarrierError),
            (484, EndReason::CarrierError),
            (503, EndReason::CarrierError),
            (500, EndReason::CarrierError),
        ] {
            assert_eq!(end_reason_for_status(code), reason, "{code}");
        }
    }

    #[test]
    fn sip_users_reject_separators() {
        assert!(sip_user("username", "alice").is_ok());
        assert!(sip_user("username", "+15550100").is_ok());
        for bad in ["", "a b", "a@b", "a;b", "a:b"] {
            assert!(sip_user("username", bad).is_err(), "{bad:?}");
        }
    }
}
