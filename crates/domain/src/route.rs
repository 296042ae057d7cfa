//! Which way a call goes ([`Direction`]) and which network carries it ([`CarrierKind`]).
//!
//! Both are stored and shown as their lowercase names (`outbound`, `twilio`, …), the strings
//! the `calls` and `phone_numbers` tables hold today. As enums they can be matched
//! exhaustively, so a misspelt carrier cannot quietly turn a live call into a sandbox one.

use crate::validate::FieldError;
use std::fmt;
use std::str::FromStr;

/// Who placed the call: we did (`outbound`) or the far end did (`inbound`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outbound,
    Inbound,
}

impl Direction {
    pub const ALL: [Self; 2] = [Self::Outbound, Self::Inbound];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outbound => "outbound",
            Self::Inbound => "inbound",
        }
    }
}

impl FromStr for Direction {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        parse_name("direction", &Self::ALL, Self::as_str, s)
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The network a call or a number goes through: the built-in sandbox, a SIP trunk or Twilio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CarrierKind {
    Sandbox,
    Sip,
    Twilio,
}

impl CarrierKind {
    pub const ALL: [Self; 3] = [Self::Sandbox, Self::Sip, Self::Twilio];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Sip => "sip",
            Self::Twilio => "twilio",
        }
    }
}

impl FromStr for CarrierKind {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        parse_name("carrier", &Self::ALL, Self::as_str, s)
    }
}

impl fmt::Display for CarrierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of `all` named `text` exactly, or an error for `field` that lists the names.
fn parse_name<T: Copy>(
    field: &'static str,
    all: &[T],
    name: fn(T) -> &'static str,
    text: &str,
) -> Result<T, FieldError> {
    all.iter().copied().find(|value| name(*value) == text).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|value| name(*value)).collect();
        FieldError::new(field, format!("`{text}` is not one of: {}", names.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_keep_the_stored_names() {
        let names: Vec<&str> = Direction::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(names, ["outbound", "inbound"]);
        for direction in Direction::ALL {
            assert_eq!(direction.as_str().parse::<Direction>(), Ok(direction));
            assert_eq!(direction.to_string(), direction.as_str());
            assert_eq!(serde_json::to_value(direction).ok(), Some(serde_json::json!(direction.as_str())));
            assert_eq!(
                serde_json::from_value::<Direction>(serde_json::json!(direction.as_str())).ok(),
                Some(direction)
            );
        }
    }

    #[test]
    fn carriers_keep_the_stored_names() {
        let names: Vec<&str> = CarrierKind::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["sandbox", "sip", "twilio"]);
        for carrier in CarrierKind::ALL {
            assert_eq!(carrier.as_str().parse::<CarrierKind>(), Ok(carrier));
            assert_eq!(carrier.to_string(), carrier.as_str());
            assert_eq!(serde_json::to_value(carrier).ok(), Some(serde_json::json!(carrier.as_str())));
            assert_eq!(serde_json::from_value::<CarrierKind>(serde_json::json!(carrier.as_str())).ok(), Some(carrier));
        }
    }

    #[test]
    fn unknown_names_are_refused_with_the_choices() {
        let err = "Twilio".parse::<CarrierKind>().err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("carrier: `Twilio` is not one of: sandbox, sip, twilio".to_owned())
        );
        assert!("outgoing".parse::<Direction>().is_err());
        assert!(serde_json::from_value::<Direction>(serde_json::json!("OUTBOUND")).is_err());
        assert!(serde_json::from_value::<CarrierKind>(serde_json::json!("pstn")).is_err());
    }
}
