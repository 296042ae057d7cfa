//! OpenAI's speech API (`POST /audio/speech`) with `response_format: pcm`, so audio is streamed
//! as raw samples with nothing to decode and playback starts on the first chunk.

use crate::http::{HttpClient, endpoint};
use crate::pcm_stream::{request_pcm_8k, silence};
use crate::{AudioStream, SpeechError, TextToSpeech};
use agentline_domain::SecretString;
use std::time::Duration;

const PROVIDER: &str = "openai-speech";
/// OpenAI's `pcm` format: 24 kHz, 16-bit little-endian, mono.
const PCM_HZ: u32 = 24000;

/// Text-to-speech through OpenAI-compatible `/audio/speech` endpoints.
#[derive(Debug, Clone)]
pub struct OpenAiSpeech {
    /// API root, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer`.
    pub api_key: Option<SecretString>,
    /// e.g. `tts-1` (lowest latency) or `gpt-4o-mini-tts`.
    pub model: String,
    /// e.g. `alloy`.
    pub voice: String,
    /// Limit for the response headers, and for each later wait on the audio stream.
    pub timeout: Duration,
    /// Connection pool, shared by clones.
    pub http: HttpClient,
}

impl Default for OpenAiSpeech {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: None,
            model: "tts-1".into(),
            voice: "alloy".into(),
            timeout: Duration::from_secs(10),
            http: HttpClient::default(),
        }
    }
}

/// The request body.
#[derive(serde::Serialize)]
struct SpeechRequest<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'static str,
}

#[async_trait::async_trait]
impl TextToSpeech for OpenAiSpeech {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
        if text.trim().is_empty() {
            return Ok(silence());
        }
        let url = endpoint(PROVIDER, &self.base_url, &["audio", "speech"])?;
        let body = SpeechRequest { model: &self.model, input: text, voice: &self.voice, response_format: "pcm" };
        let mut request = self.http.get()?.post(url).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        request_pcm_8k(PROVIDER, request, PCM_HZ, self.timeout).await
    }
}
