//! Speech engines chosen per agent, overriding the server's `[speech]` settings.
//!
//! Only stand-ins exist so far: fixed transcripts and fixed audio after fixed delays, for tests
//! and benchmarks that must measure agentline rather than a vendor.

use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The agent's own speech engines; an unset side uses the server's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSpeech {
    #[serde(default)]
    pub stt: Option<SttEngine>,
    #[serde(default)]
    pub tts: Option<TtsEngine>,
}

/// A speech recogniser for the agent's calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SttEngine {
    /// Every caller turn is heard as `transcript`, `delay_ms` after the turn ends.
    StandIn {
        transcript: String,
        #[serde(default)]
        delay_ms: u32,
    },
}

/// A voice for the agent's calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TtsEngine {
    /// Every sentence is spoken as `audio_ms` of a steady tone, starting `delay_ms` after it is asked for.
    StandIn {
        #[serde(default = "default_audio_ms")]
        audio_ms: u32,
        #[serde(default)]
        delay_ms: u32,
    },
}

fn default_audio_ms() -> u32 {
    2_000
}

impl AgentSpeech {
    /// Checks the settings, naming the offending field.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(SttEngine::StandIn { transcript, delay_ms }) = &self.stt {
            crate::validate::optional_text("speech.stt.transcript", transcript, 2_000)?;
            crate::brain::stand_in_delay("speech.stt.delay_ms", *delay_ms)?;
        }
        if let Some(TtsEngine::StandIn { audio_ms, delay_ms }) = &self.tts {
            if !(20..=60_000).contains(audio_ms) {
                return Err(FieldError::new("speech.tts.audio_ms", "must be between 20 and 60000"));
            }
            crate::brain::stand_in_delay("speech.tts.delay_ms", *delay_ms)?;
        }
        Ok(())
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.stt.is_none() && self.tts.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stand_ins_with_defaults() {
        let speech: AgentSpeech = serde_json::from_value(serde_json::json!({
            "stt": {"type": "stand_in", "transcript": "book me in"},
            "tts": {"type": "stand_in", "delay_ms": 350},
        }))
        .unwrap();
        assert_eq!(speech.stt, Some(SttEngine::StandIn { transcript: "book me in".into(), delay_ms: 0 }));
        assert_eq!(speech.tts, Some(TtsEngine::StandIn { audio_ms: 2_000, delay_ms: 350 }));
        assert!(speech.validate().is_ok());
    }

    #[test]
    fn refuses_unknown_engines_and_out_of_range_values() {
        let unknown = serde_json::from_value::<AgentSpeech>(serde_json::json!({"stt": {"type": "whisper"}}));
        assert!(unknown.is_err());
        let long = AgentSpeech { tts: Some(TtsEngine::StandIn { audio_ms: 61_000, delay_ms: 0 }), stt: None };
        assert_eq!(long.validate().unwrap_err().field, "speech.tts.audio_ms");
        let slow =
            AgentSpeech { stt: Some(SttEngine::StandIn { transcript: "x".into(), delay_ms: 40_000 }), tts: None };
        assert_eq!(slow.validate().unwrap_err().field, "speech.stt.delay_ms");
    }
}
