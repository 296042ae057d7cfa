//! Speech engines chosen per agent, overriding the server's `[speech]` settings: a vendor and its
//! model or voice, an offline engine, or a stand-in (fixed transcripts and audio after fixed
//! delays, for tests and benchmarks that must measure agentline rather than a vendor).
//!
//! Vendors' keys are not here: they are the account's credentials (`/v1/credentials`), else the
//! server's.

use crate::validate::{FieldError, language_tag, token};
use crate::vendor::Vendor;
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
    /// Deepgram's streaming recogniser, e.g. model `nova-2`.
    Deepgram {
        model: String,
        /// A BCP 47 hint (`en-US`); absent for the model's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
    },
    /// OpenAI's `/audio/transcriptions`, or any server that speaks it (`base_url`, e.g. a
    /// self-hosted Whisper server), e.g. model `whisper-1`.
    Openai {
        model: String,
        /// An ISO-639-1 hint (`en`); absent lets the model detect it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        /// The API root (`…/v1`); absent for the account's `openai` credential's, else the server's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_url: Option<String>,
    },
    /// The offline recogniser (Moonshine) on this server.
    // Braces, not a unit variant: serde ignores unknown fields beside a unit variant's tag.
    Local {},
}

/// A voice for the agent's calls. A call's `voice` (or the agent's) replaces the engine's voice.
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
    /// OpenAI's `/audio/speech`, or any server that speaks it, e.g. model `gpt-4o-mini-tts`, voice `alloy`.
    Openai {
        model: String,
        voice: String,
        /// The API root (`…/v1`); absent for the account's `openai` credential's, else the server's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_url: Option<String>,
    },
    /// ElevenLabs' streaming speech, e.g. model `eleven_flash_v2_5`.
    Elevenlabs { voice_id: String, model_id: String },
    /// The offline neural voice (Piper) on this server.
    Piper {},
    /// espeak-ng on this server; `voice` such as `en-us` or `en-us+f3`.
    Espeak {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voice: Option<String>,
    },
}

fn default_audio_ms() -> u32 {
    2_000
}

/// Longest model or voice name accepted.
const MAX_NAME: usize = 100;

impl AgentSpeech {
    /// Checks the settings, naming the offending field.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.stt.as_ref().map_or(Ok(()), SttEngine::validate)?;
        self.tts.as_ref().map_or(Ok(()), TtsEngine::validate)
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.stt.is_none() && self.tts.is_none()
    }

    /// The client-chosen URLs the agent's engines send to, with the field naming each.
    pub fn base_urls(&self) -> Vec<(&'static str, &str)> {
        let stt = match &self.stt {
            Some(SttEngine::Openai { base_url: Some(url), .. }) => Some(("speech.stt.base_url", url.as_str())),
            _ => None,
        };
        let tts = match &self.tts {
            Some(TtsEngine::Openai { base_url: Some(url), .. }) => Some(("speech.tts.base_url", url.as_str())),
            _ => None,
        };
        stt.into_iter().chain(tts).collect()
    }
}

impl SttEngine {
    fn validate(&self) -> Result<(), FieldError> {
        match self {
            Self::StandIn { transcript, delay_ms } => {
                crate::validate::optional_text("speech.stt.transcript", transcript, 2_000)?;
                crate::brain::stand_in_delay("speech.stt.delay_ms", *delay_ms)
            }
            Self::Deepgram { model, language } => {
                token("speech.stt.model", model, MAX_NAME)?;
                language.as_deref().map_or(Ok(()), |tag| language_tag("speech.stt.language", tag).map(drop))
            }
            Self::Openai { model, language, base_url } => {
                token("speech.stt.model", model, MAX_NAME)?;
                language.as_deref().map_or(Ok(()), |tag| language_tag("speech.stt.language", tag).map(drop))?;
                check_base_url("speech.stt.base_url", base_url.as_deref())
            }
            Self::Local {} => Ok(()),
        }
    }

    /// The vendor whose key the engine needs; none for offline engines and stand-ins.
    pub fn vendor(&self) -> Option<Vendor> {
        match self {
            Self::Deepgram { .. } => Some(Vendor::Deepgram),
            Self::Openai { .. } => Some(Vendor::Openai),
            Self::StandIn { .. } | Self::Local {} => None,
        }
    }
}

impl TtsEngine {
    fn validate(&self) -> Result<(), FieldError> {
        match self {
            Self::StandIn { audio_ms, delay_ms } => {
                if !(20..=60_000).contains(audio_ms) {
                    return Err(FieldError::new("speech.tts.audio_ms", "must be between 20 and 60000"));
                }
                crate::brain::stand_in_delay("speech.tts.delay_ms", *delay_ms)
            }
            Self::Openai { model, voice, base_url } => {
                token("speech.tts.model", model, MAX_NAME)?;
                token("speech.tts.voice", voice, MAX_NAME)?;
                check_base_url("speech.tts.base_url", base_url.as_deref())
            }
            Self::Elevenlabs { voice_id, model_id } => {
                token("speech.tts.voice_id", voice_id, MAX_NAME)?;
                token("speech.tts.model_id", model_id, MAX_NAME).map(drop)
            }
            Self::Piper {} | Self::Espeak { voice: None } => Ok(()),
            Self::Espeak { voice: Some(voice) } => espeak_voice(voice),
        }
    }

    /// The vendor whose key the engine needs; none for offline engines and stand-ins.
    pub fn vendor(&self) -> Option<Vendor> {
        match self {
            Self::Openai { .. } => Some(Vendor::Openai),
            Self::Elevenlabs { .. } => Some(Vendor::Elevenlabs),
            Self::StandIn { .. } | Self::Piper {} | Self::Espeak { .. } => None,
        }
    }
}

fn check_base_url(field: &'static str, url: Option<&str>) -> Result<(), FieldError> {
    url.map_or(Ok(()), |url| Vendor::Openai.check_base_url(field, url).map(drop))
}

/// espeak-ng voice names: letters, digits, `-`, `_` and `+` (a variant), starting with a letter
/// (so a name can never read as one of its options).
fn espeak_voice(voice: &str) -> Result<(), FieldError> {
    let ok = (1..=50).contains(&voice.len())
        && voice.starts_with(|c: char| c.is_ascii_alphabetic())
        && voice.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'));
    if ok { Ok(()) } else { Err(FieldError::new("speech.tts.voice", "must be an espeak-ng voice such as en-us")) }
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

    fn field_of(value: serde_json::Value) -> &'static str {
        let speech: AgentSpeech = serde_json::from_value(value).unwrap();
        speech.validate().unwrap_err().field
    }

    #[test]
    fn parses_vendors_and_offline_engines() {
        let speech: AgentSpeech = serde_json::from_value(serde_json::json!({
            "stt": {"type": "deepgram", "model": "nova-2", "language": "en-US"},
            "tts": {"type": "elevenlabs", "voice_id": "21m00Tcm4TlvDq8ikWAM", "model_id": "eleven_flash_v2_5"},
        }))
        .unwrap();
        assert!(speech.validate().is_ok());
        assert_eq!(speech.stt.as_ref().and_then(SttEngine::vendor), Some(Vendor::Deepgram));
        assert_eq!(speech.tts.as_ref().and_then(TtsEngine::vendor), Some(Vendor::Elevenlabs));
        let offline: AgentSpeech = serde_json::from_value(serde_json::json!({
            "stt": {"type": "local"}, "tts": {"type": "espeak", "voice": "en-us+f3"},
        }))
        .unwrap();
        assert!(offline.validate().is_ok());
        assert_eq!(offline.stt.as_ref().and_then(SttEngine::vendor), None);
        let piper: TtsEngine = serde_json::from_value(serde_json::json!({"type": "piper"})).unwrap();
        assert_eq!(piper, TtsEngine::Piper {});
    }

    #[test]
    fn openai_engines_name_their_urls() {
        let speech: AgentSpeech = serde_json::from_value(serde_json::json!({
            "stt": {"type": "openai", "model": "whisper-1", "base_url": "http://127.0.0.1:8000/v1"},
            "tts": {"type": "openai", "model": "tts-1", "voice": "alloy"},
        }))
        .unwrap();
        assert!(speech.validate().is_ok());
        assert_eq!(speech.base_urls(), vec![("speech.stt.base_url", "http://127.0.0.1:8000/v1")]);
    }

    #[test]
    fn vendor_validation_names_the_field() {
        use serde_json::json;
        assert_eq!(field_of(json!({"stt": {"type": "deepgram", "model": ""}})), "speech.stt.model");
        assert_eq!(
            field_of(json!({"stt": {"type": "deepgram", "model": "nova-2", "language": "en US"}})),
            "speech.stt.language"
        );
        assert_eq!(
            field_of(json!({"stt": {"type": "openai", "model": "w", "base_url": "ftp://x"}})),
            "speech.stt.base_url"
        );
        assert_eq!(
            field_of(json!({"tts": {"type": "openai", "model": "m", "voice": "two words"}})),
            "speech.tts.voice"
        );
        assert_eq!(
            field_of(json!({"tts": {"type": "openai", "model": "m", "voice": "v", "base_url": "x"}})),
            "speech.tts.base_url"
        );
        assert_eq!(
            field_of(json!({"tts": {"type": "elevenlabs", "voice_id": "", "model_id": "m"}})),
            "speech.tts.voice_id"
        );
        assert_eq!(
            field_of(json!({"tts": {"type": "elevenlabs", "voice_id": "v", "model_id": "x".repeat(101)}})),
            "speech.tts.model_id"
        );
        assert_eq!(field_of(json!({"tts": {"type": "espeak", "voice": "-w /tmp/x"}})), "speech.tts.voice");
    }

    #[test]
    fn vendor_engines_refuse_missing_and_unknown_fields() {
        use serde_json::json;
        for bad in [
            json!({"stt": {"type": "deepgram"}}),
            json!({"stt": {"type": "local", "model": "tiny"}}),
            json!({"tts": {"type": "elevenlabs", "voice_id": "v"}}),
            json!({"tts": {"type": "openai", "model": "m", "voice": "v", "colour": 1}}),
        ] {
            assert!(serde_json::from_value::<AgentSpeech>(bad.clone()).is_err(), "{bad}");
        }
    }
}
