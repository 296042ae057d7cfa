//! OpenAI's transcription API (`POST /audio/transcriptions`), which self-hosted Whisper servers
//! (faster-whisper-server, whisper.cpp's server) also speak.

use crate::http::{HttpClient, endpoint, send, transport_error, within};
use crate::wav::wav_16bit_mono;
use crate::{BatchTranscriber, SpeechError};
use agentline_domain::SecretString;
use reqwest::multipart::{Form, Part};
use std::time::Duration;

const PROVIDER: &str = "openai-transcription";
/// The rate [`BatchTranscriber`] hands over, and so the rate of the uploaded WAV.
const UPLOAD_HZ: u32 = 16000;

/// A batch transcriber for OpenAI-compatible `/audio/transcriptions` endpoints; use it through
/// [`crate::Buffered`].
#[derive(Debug, Clone)]
pub struct OpenAiTranscription {
    /// API root, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer`; local servers usually need none.
    pub api_key: Option<SecretString>,
    /// e.g. `whisper-1`.
    pub model: String,
    /// ISO-639-1 hint (`en`); `None` lets the model detect it.
    pub language: Option<String>,
    /// Limit for the whole request: upload, transcription and response.
    pub timeout: Duration,
    /// Connection pool, shared by clones.
    pub http: HttpClient,
}

impl Default for OpenAiTranscription {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: None,
            model: "whisper-1".into(),
            language: None,
            timeout: Duration::from_secs(15),
            http: HttpClient::default(),
        }
    }
}

/// The part of the JSON response we use.
#[derive(serde::Deserialize)]
struct Transcription {
    text: String,
}

impl OpenAiTranscription {
    /// The multipart form: the audio as a WAV file plus the options.
    fn form(&self, pcm_16k: &[i16]) -> Result<Form, SpeechError> {
        let file = Part::bytes(wav_16bit_mono(UPLOAD_HZ, pcm_16k))
            .file_name("audio.wav")
            .mime_str("audio/wav")
            .map_err(|error| SpeechError::Io(format!("{PROVIDER}: {error}")))?;
        let form = Form::new().part("file", file).text("model", self.model.clone()).text("response_format", "json");
        Ok(match &self.language {
            Some(language) => form.text("language", language.clone()),
            None => form,
        })
    }

    async fn request(&self, pcm_16k: &[i16]) -> Result<String, SpeechError> {
        let url = endpoint(PROVIDER, &self.base_url, &["audio", "transcriptions"])?;
        let mut request = self.http.get()?.post(url).multipart(self.form(pcm_16k)?);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = send(PROVIDER, request).await?;
        let body: Transcription = response.json().await.map_err(|error| transport_error(PROVIDER, &error))?;
        Ok(body.text.trim().to_owned())
    }
}

#[async_trait::async_trait]
impl BatchTranscriber for OpenAiTranscription {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn transcribe(&self, pcm_16k: Vec<i16>) -> Result<String, SpeechError> {
        within(PROVIDER, "the transcript", self.timeout, self.request(&pcm_16k)).await
    }
}
