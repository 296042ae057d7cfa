//! The speech engines a call uses, built from the configuration (or the agent's own choice):
//! which recogniser hears the callee and which voice speaks for the agent.

use crate::settings::SpeechSettings;
use agentline_domain::speech::{SttEngine, TtsEngine};
use agentline_moonshine::Moonshine;
use agentline_speech::{
    BatchTranscriber, Buffered, Deepgram, ElevenLabs, Espeak, OpenAiSpeech, OpenAiTranscription, SpeechError,
    SpeechToText, StandInStt, StandInTts, TextToSpeech,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

fn millis(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// The recogniser for callee speech: the agent's own, else the server's; an error says why there
/// is none (the call goes on, deaf).
pub(super) fn stt(settings: &SpeechSettings, agents: Option<&SttEngine>) -> Result<Arc<dyn SpeechToText>, String> {
    if let Some(SttEngine::StandIn { transcript, delay_ms }) = agents {
        return Ok(Arc::new(StandInStt { transcript: transcript.clone(), delay: millis(*delay_ms) }));
    }
    let timeout = Duration::from_secs(settings.timeout_secs);
    match settings.stt.as_str() {
        "local" => {
            local_model(settings).map(|model| Arc::new(Buffered(Arc::new(Local(model)))) as Arc<dyn SpeechToText>)
        }
        "deepgram" => Ok(Arc::new(Deepgram {
            url: settings.deepgram_url.clone(),
            api_key: settings.deepgram_api_key.clone(),
            model: settings.deepgram_model.clone(),
            language: None,
            timeout,
        })),
        "openai" => Ok(Arc::new(Buffered(Arc::new(OpenAiTranscription {
            base_url: settings.openai_base_url.clone(),
            api_key: settings.openai_api_key.clone(),
            model: settings.openai_stt_model.clone(),
            language: None,
            timeout,
            http: Default::default(),
        })))),
        _ => Err("speech.stt is none: callee speech is not transcribed".to_owned()),
    }
}

/// The agent's voice: its own engine, else the server's; `voice` is the agent's voice setting
/// (engine-specific name).
pub(super) fn tts(settings: &SpeechSettings, agents: Option<&TtsEngine>, voice: Option<&str>) -> Arc<dyn TextToSpeech> {
    if let Some(TtsEngine::StandIn { audio_ms, delay_ms }) = agents {
        return Arc::new(StandInTts { audio: millis(*audio_ms), delay: millis(*delay_ms) });
    }
    let timeout = Duration::from_secs(settings.timeout_secs);
    match settings.tts.as_str() {
        "openai" => Arc::new(OpenAiSpeech {
            base_url: settings.openai_base_url.clone(),
            api_key: settings.openai_api_key.clone(),
            model: settings.openai_tts_model.clone(),
            voice: voice.unwrap_or("alloy").to_owned(),
            timeout,
            http: Default::default(),
        }),
        "elevenlabs" => Arc::new(ElevenLabs {
            base_url: settings.elevenlabs_base_url.clone(),
            api_key: settings.elevenlabs_api_key.clone(),
            voice_id: voice.unwrap_or("21m00Tcm4TlvDq8ikWAM").to_owned(),
            model_id: settings.elevenlabs_model.clone(),
            timeout,
            http: Default::default(),
        }),
        _ => Arc::new(Espeak { voice: voice.map(str::to_owned), words_per_minute: None }),
    }
}

/// The local model, loaded once per process (0.5 s, and hundreds of MB the first call pays for).
fn local_model(settings: &SpeechSettings) -> Result<Arc<Moonshine>, String> {
    static MODEL: OnceLock<Result<Arc<Moonshine>, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = match settings.moonshine_dir.trim() {
                "" => agentline_moonshine::default_dir(),
                dir => dir.into(),
            };
            Moonshine::load(&dir).map(Arc::new).map_err(|err| format!("local speech recognition unavailable: {err}"))
        })
        .clone()
}

/// Moonshine as a batch engine: each utterance on a blocking thread (the model serialises its own calls).
struct Local(Arc<Moonshine>);

#[async_trait::async_trait]
impl BatchTranscriber for Local {
    fn name(&self) -> &'static str {
        "moonshine"
    }

    async fn transcribe(&self, pcm_16k: Vec<i16>) -> Result<String, SpeechError> {
        let model = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || model.transcribe(&pcm_16k))
            .await
            .map_err(|err| SpeechError::Io(format!("the recogniser thread failed: {err}")))?
            .map_err(|err| SpeechError::Unavailable(err.to_string()))
    }
}
