//! Handing a live call to a person: what a transfer request asks for, and what the call keeps of it.

use crate::call::EndReason;
use crate::phone::PhoneNumber;
use crate::time::Timestamp;
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest whisper, in characters.
pub const MAX_WHISPER_CHARS: usize = 1_000;

/// How the call is handed over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    /// Hand the caller over at once: SIP REFER where the trunk takes it, Twilio `<Dial>`,
    /// else agentline dials the target and bridges the two legs.
    #[default]
    Blind,
    /// agentline dials the target, says the whisper to them, then bridges the caller in.
    Warm,
}

impl TransferMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blind => "blind",
            Self::Warm => "warm",
        }
    }
}

/// `POST /v1/calls/{id}/transfer`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Where to: an E.164 number.
    pub to: String,
    #[serde(default)]
    pub mode: TransferMode,
    /// Said to the person before the caller is bridged in (warm transfers only), e.g. a summary.
    pub whisper: Option<String>,
}

/// A checked transfer order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRequest {
    pub to: PhoneNumber,
    pub mode: TransferMode,
    pub whisper: Option<String>,
}

impl TransferBody {
    /// Checks the number and the whisper (1 to 1,000 characters, warm transfers only).
    pub fn validate(self) -> Result<TransferRequest, FieldError> {
        let to = PhoneNumber::parse_or_fictional(&self.to).map_err(|e| FieldError::new("to", e.to_string()))?;
        let whisper = self.whisper.map(|w| w.trim().to_owned());
        if let Some(whisper) = &whisper {
            if self.mode == TransferMode::Blind {
                return Err(FieldError::new("whisper", "only a warm transfer says a whisper; use \"mode\": \"warm\""));
            }
            if whisper.is_empty() || whisper.chars().count() > MAX_WHISPER_CHARS {
                return Err(FieldError::new("whisper", format!("must be 1 to {MAX_WHISPER_CHARS} characters")));
            }
        }
        Ok(TransferRequest { to, mode: self.mode, whisper })
    }
}

/// How the call reached the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferMethod {
    /// The trunk took a SIP REFER and placed the call itself.
    Refer,
    /// Twilio was told to `<Dial>` the target.
    Redirect,
    /// agentline dialled the target and carries the audio between the two legs.
    Bridge,
}

/// Where a transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Asked for, not connected yet.
    Started,
    /// The caller is connected to the target.
    Transferred,
    /// The target did not take the call; the agent took it back.
    Failed,
}

/// Why the target did not take the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferFailure {
    Busy,
    NoAnswer,
    /// The target or the trunk refused (SIP 4xx/5xx/6xx, a declined REFER with no bridge possible).
    Refused,
    /// The target hung up before the caller was bridged in.
    HungUp,
    /// The network failed.
    Failed,
}

impl TransferFailure {
    /// The failure a target leg's end means.
    pub fn from_end(reason: EndReason) -> Self {
        match reason {
            EndReason::Busy => Self::Busy,
            EndReason::NoAnswer => Self::NoAnswer,
            EndReason::Rejected => Self::Refused,
            EndReason::CallerHangup | EndReason::Voicemail => Self::HungUp,
            _ => Self::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::NoAnswer => "no_answer",
            Self::Refused => "refused",
            Self::HungUp => "hung_up",
            Self::Failed => "failed",
        }
    }
}

/// The call's latest transfer, as shown on the call (`transfer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferRecord {
    pub to: String,
    pub mode: TransferMode,
    pub status: TransferStatus,
    /// How it reached the target, once known.
    pub method: Option<TransferMethod>,
    pub failure: Option<TransferFailure>,
    pub started_at: Timestamp,
    /// What a warm transfer says to the target first, as sent.
    #[serde(default)]
    pub whisper: Option<String>,
    /// When the caller and the target were bridged by agentline; the bridged minutes from
    /// here to the call's end are billed as a second leg.
    pub bridged_at: Option<Timestamp>,
}

/// Seconds a bridged transfer's second leg ran, rounded up: from the bridge to the call's end.
pub fn bridged_secs(transfer: Option<&TransferRecord>, ended_at: Timestamp) -> i64 {
    let Some(bridged) = transfer.and_then(|t| t.bridged_at) else { return 0 };
    let micros = (ended_at.datetime() - bridged.datetime()).num_microseconds().unwrap_or(0);
    (micros.max(0) + 999_999) / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: serde_json::Value) -> Result<TransferRequest, FieldError> {
        serde_json::from_value::<TransferBody>(value).unwrap().validate()
    }

    #[test]
    fn blind_is_the_default_and_whispers_need_warm() {
        let request = body(json!({"to": "+14155550100"})).unwrap();
        assert_eq!(request.mode, TransferMode::Blind);
        assert_eq!(body(json!({"to": "+14155550100", "whisper": "hi"})).unwrap_err().field, "whisper");
        let warm = body(json!({"to": "+14155550100", "mode": "warm", "whisper": " Jo needs help "})).unwrap();
        assert_eq!(warm.whisper.as_deref(), Some("Jo needs help"));
    }

    #[test]
    fn refuses_bad_numbers_and_whispers() {
        assert_eq!(body(json!({"to": "555-0100"})).unwrap_err().field, "to");
        let long = "a".repeat(MAX_WHISPER_CHARS + 1);
        assert_eq!(body(json!({"to": "+14155550100", "mode": "warm", "whisper": long})).unwrap_err().field, "whisper");
        assert_eq!(body(json!({"to": "+14155550100", "mode": "warm", "whisper": "  "})).unwrap_err().field, "whisper");
        assert!(serde_json::from_value::<TransferBody>(json!({"to": "+14155550100", "mode": "cold"})).is_err());
    }

    #[test]
    fn failures_follow_the_target_legs_end() {
        assert_eq!(TransferFailure::from_end(EndReason::Busy), TransferFailure::Busy);
        assert_eq!(TransferFailure::from_end(EndReason::NoAnswer), TransferFailure::NoAnswer);
        assert_eq!(TransferFailure::from_end(EndReason::Rejected), TransferFailure::Refused);
        assert_eq!(TransferFailure::from_end(EndReason::CarrierError), TransferFailure::Failed);
    }

    #[test]
    fn only_bridged_time_is_a_second_leg() {
        let start = Timestamp::parse("2026-12-07T10:00:00Z").unwrap();
        let end = Timestamp::parse("2026-12-07T10:01:30.2Z").unwrap();
        let mut record = TransferRecord {
            to: "+14155550100".into(),
            mode: TransferMode::Blind,
            status: TransferStatus::Transferred,
            method: Some(TransferMethod::Bridge),
            failure: None,
            started_at: start,
            whisper: None,
            bridged_at: None,
        };
        assert_eq!(bridged_secs(Some(&record), end), 0);
        record.bridged_at = Some(start);
        assert_eq!(bridged_secs(Some(&record), end), 91);
        assert_eq!(bridged_secs(None, end), 0);
    }
}
