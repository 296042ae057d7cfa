//! What an agent does when an answering machine picks up its outbound call.

use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The agent's answer to a voicemail greeting. Without one, the call goes on as if a person had
/// answered (the call's `answered_by` still says who did).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Voicemail {
    /// Hang up at once (`end_reason` `voicemail`).
    Hangup {},
    /// Wait for the beep (or the end of the greeting), say `message`, hang up (`end_reason`
    /// `voicemail`). `message` is a template like `first_message`.
    LeaveMessage { message: String },
}

impl Voicemail {
    /// Checks the message: 1 to 2,000 characters of a template that compiles.
    pub fn validate(&self) -> Result<(), FieldError> {
        let Voicemail::LeaveMessage { message } = self else { return Ok(()) };
        if message.trim().is_empty() || message.chars().count() > 2_000 {
            return Err(FieldError::new("voicemail.message", "must be 1 to 2000 characters"));
        }
        crate::template::variables_of(message)
            .map(drop)
            .map_err(|e| FieldError::new("voicemail.message", format!("invalid template: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_both_actions_and_refuses_others() {
        let hangup: Voicemail = serde_json::from_value(json!({"action": "hangup"})).unwrap();
        assert_eq!(hangup, Voicemail::Hangup {});
        let leave: Voicemail =
            serde_json::from_value(json!({"action": "leave_message", "message": "Hi {{name}}"})).unwrap();
        assert!(leave.validate().is_ok());
        assert!(serde_json::from_value::<Voicemail>(json!({"action": "sing"})).is_err());
        assert!(serde_json::from_value::<Voicemail>(json!({"action": "hangup", "message": "x"})).is_err());
        assert!(serde_json::from_value::<Voicemail>(json!({"action": "leave_message"})).is_err());
    }

    #[test]
    fn messages_must_be_said_and_compile() {
        let field = |message: &str| Voicemail::LeaveMessage { message: message.into() }.validate().unwrap_err().field;
        assert_eq!(field("  "), "voicemail.message");
        assert_eq!(field("Hi {{ name"), "voicemail.message");
        assert_eq!(field(&"a".repeat(2_001)), "voicemail.message");
    }
}
