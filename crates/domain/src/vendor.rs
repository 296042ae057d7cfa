//! The speech and LLM vendors an account keeps its own credentials for, and the checks on what a
//! client may store for them (the key and where requests go).

use crate::validate::{FieldError, http_url, ws_url};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A vendor an account can hold an API key for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// Transcription, speech and the `llm` brain (any OpenAI-compatible server).
    Openai,
    /// Streaming transcription.
    Deepgram,
    /// Streaming speech.
    Elevenlabs,
}

impl Vendor {
    pub const ALL: [Self; 3] = [Self::Openai, Self::Deepgram, Self::Elevenlabs];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Deepgram => "deepgram",
            Self::Elevenlabs => "elevenlabs",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|vendor| vendor.as_str() == text)
    }

    /// Checks a `base_url` for this vendor: Deepgram's is its WebSocket listen endpoint
    /// (`wss://…/v1/listen`), the others' an HTTP API root.
    pub fn check_base_url(self, field: &'static str, url: &str) -> Result<String, FieldError> {
        match self {
            Self::Deepgram => ws_url(field, url),
            Self::Openai | Self::Elevenlabs => http_url(field, url),
        }
    }
}

/// An API key as vendors issue them: 1 to 512 visible ASCII characters (it travels in a header).
pub fn check_api_key(field: &'static str, key: &str) -> Result<(), FieldError> {
    let ok = (1..=512).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if ok { Ok(()) } else { Err(FieldError::new(field, "must be 1 to 512 visible ASCII characters")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::parse(vendor.as_str()), Some(vendor));
            assert_eq!(serde_json::to_value(vendor).unwrap(), vendor.as_str());
        }
        assert_eq!(Vendor::parse("whisper"), None);
    }

    #[test]
    fn base_urls_fit_the_vendor() {
        assert!(Vendor::Deepgram.check_base_url("base_url", "wss://api.deepgram.com/v1/listen").is_ok());
        assert!(Vendor::Deepgram.check_base_url("base_url", "https://api.deepgram.com").is_err());
        assert!(Vendor::Openai.check_base_url("base_url", "http://127.0.0.1:8000/v1").is_ok());
        assert_eq!(Vendor::Elevenlabs.check_base_url("base_url", "ftp://x").unwrap_err().field, "base_url");
    }

    #[test]
    fn api_keys_must_fit_a_header() {
        assert!(check_api_key("api_key", "sk-abc_123").is_ok());
        for bad in ["", "has space", "new\nline", "é"] {
            assert_eq!(check_api_key("api_key", bad).unwrap_err().field, "api_key", "{bad:?}");
        }
        assert!(check_api_key("api_key", &"k".repeat(513)).is_err());
    }
}
