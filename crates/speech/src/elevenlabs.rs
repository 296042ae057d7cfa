//! ElevenLabs' streaming speech API (`POST /v1/text-to-speech/{voice_id}/stream`), asking for
//! raw 16 kHz PCM so chunks play as they arrive with nothing to decode.

use crate::http::{HttpClient, endpoint, secret_header};
use crate::pcm_stream::{request_pcm_8k, silence};
use crate::{AudioStream, SpeechError, TextToSpeech};
use agentline_domain::SecretString;
use std::time::Duration;

const PROVIDER: &str = "elevenlabs";
/// The `output_format` asked for, and its rate.
const OUTPUT_FORMAT: &str = "pcm_16000";
const PCM_HZ: u32 = 16000;

/// Text-to-speech through ElevenLabs.
#[derive(Debug, Clone)]
pub struct ElevenLabs {
    /// API root, e.g. `https://api.elevenlabs.io`.
    pub base_url: String,
    /// Sent as `xi-api-key`.
    pub api_key: Option<SecretString>,
    /// The voice, as listed in the ElevenLabs voice library.
    pub voice_id: String,
    /// e.g. `eleven_flash_v2_5` (lowest latency).
    pub model_id: String,
    /// Limit for the response headers, and for each later wait on the audio stream.
    pub timeout: Duration,
    /// Connection pool, shared by clones.
    pub http: HttpClient,
}

impl Default for ElevenLabs {
    fn default() -> Self {
        Self {
            base_url: "https://api.elevenlabs.io".into(),
            api_key: None,
            voice_id: String::new(),
            model_id: "eleven_flash_v2_5".into(),
            timeout: Duration::from_secs(10),
            http: HttpClient::default(),
        }
    }
}

/// The request body.
#[derive(serde::Serialize)]
struct SpeechRequest<'a> {
    text: &'a str,
    model_id: &'a str,
}

#[async_trait::async_trait]
impl TextToSpeech for ElevenLabs {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
        if text.trim().is_empty() {
            return Ok(silence());
        }
        let mut url = endpoint(PROVIDER, &self.base_url, &["v1", "text-to-speech", &self.voice_id, "stream"])?;
        url.query_pairs_mut().append_pair("output_format", OUTPUT_FORMAT);
        let body = SpeechRequest { text, model_id: &self.model_id };
        let mut request = self.http.get()?.post(url).json(&body);
        if let Some(key) = &self.api_key {
            request = request.header("xi-api-key", secret_header(PROVIDER, key.expose())?);
        }
        request_pcm_8k(PROVIDER, request, PCM_HZ, self.timeout).await
    }
}
