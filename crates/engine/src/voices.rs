//! The speech engines a call uses, built from the configuration (or the agent's own choice):
//! which recogniser hears the callee, which voice speaks for the agent, and the sandbox callee's
//! voice. The offline engines (Moonshine, Piper) are loaded once per process and checked when the
//! engine starts ([`check_offline_engines`]), so a model that cannot run is reported at start-up
//! with a clear error instead of at the first call; a voice that cannot load falls back to
//! espeak-ng.

use crate::settings::SpeechSettings;
use agentline_domain::speech::{SttEngine, TtsEngine};
use agentline_moonshine::Moonshine;
use agentline_speech::{
    BatchTranscriber, Buffered, Deepgram, ElevenLabs, Espeak, OpenAiSpeech, OpenAiTranscription, PhraseCache,
    PiperVoice, SpeechError, SpeechToText, StandInStt, StandInTts, TextToSpeech,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

fn millis(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// The recogniser for callee speech: the agent's own, else the server's; an error says why there
/// is none (the call goes on, deaf).
pub(crate) fn stt(settings: &SpeechSettings, agents: Option<&SttEngine>) -> Result<Arc<dyn SpeechToText>, String> {
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
pub(crate) fn tts(settings: &SpeechSettings, agents: Option<&TtsEngine>, voice: Option<&str>) -> Arc<dyn TextToSpeech> {
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
        "espeak" => Arc::new(Espeak { voice: voice.map(str::to_owned), words_per_minute: None }),
        _ => neural_voice(settings).unwrap_or_else(fallback_voice),
    }
}

/// The voice that is always there: espeak-ng.
pub(crate) fn fallback_voice() -> Arc<dyn TextToSpeech> {
    Arc::new(Espeak::default())
}

/// The sandbox callee's voice: the neural voice a little slower than the agent's default, else
/// espeak-ng as before.
pub(crate) fn callee_voice(settings: &SpeechSettings) -> Arc<dyn TextToSpeech> {
    match settings.tts.as_str() {
        "piper" => neural_voice(settings),
        _ => None,
    }
    .unwrap_or_else(|| Arc::new(Espeak { voice: Some("en-us".to_owned()), words_per_minute: Some(150) }))
}

/// The offline neural voice (Piper), loaded once per process; none when it cannot be (the reason is
/// logged once, and callers fall back to espeak-ng).
/// It keeps the phrases it said ([`PhraseCache`]): agents repeat greetings and script lines.
fn neural_voice(settings: &SpeechSettings) -> Option<Arc<dyn TextToSpeech>> {
    static VOICE: OnceLock<Result<Arc<PhraseCache<PiperVoice>>, String>> = OnceLock::new();
    let loaded = VOICE.get_or_init(|| {
        let dir = match settings.piper_dir.trim() {
            "" => agentline_piper::default_dir(),
            dir => dir.into(),
        };
        let voice = PiperVoice::load(&dir)
            .map(|voice| Arc::new(PhraseCache::new(voice)))
            .map_err(|err| format!("the neural voice is unavailable: {err}"));
        if let Err(why) = &voice {
            tracing::error!(error = %why, "speech.tts = piper, falling back to espeak-ng");
        }
        voice
    });
    loaded.as_ref().ok().map(|voice| Arc::clone(voice) as Arc<dyn TextToSpeech>)
}

/// Loads the offline engines the settings use and runs each once on a short input, off the
/// async runtime: a model that is missing or cannot run on this machine is reported now, with
/// what to do, and the first call does not pay for loading. Returns what failed.
pub async fn check_offline_engines(settings: &SpeechSettings) -> Vec<String> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        let mut failed = Vec::new();
        if settings.stt == "local"
            && let Err(why) = local_model(&settings).and_then(|model| probe_recogniser(&model))
        {
            failed.push(why);
        }
        if settings.tts == "piper" && neural_voice(&settings).is_none() {
            failed
                .push("the neural voice (speech.tts = piper) could not be loaded; espeak-ng speaks instead".to_owned());
        }
        failed
    })
    .await
    .unwrap_or_else(|err| vec![format!("the speech engine check failed: {err}")])
}

/// Transcribes half a second of near-silence: proves the model runs on this CPU.
fn probe_recogniser(model: &Moonshine) -> Result<(), String> {
    let quiet: Vec<i16> = (0..8_000).map(|i| if i % 2 == 0 { 3 } else { -3 }).collect();
    model.transcribe(&quiet).map(drop).map_err(|err| format!("the local recogniser cannot run here: {err}"))
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

    fn runs_locally(&self) -> bool {
        true
    }

    async fn transcribe(&self, pcm_16k: Vec<i16>) -> Result<String, SpeechError> {
        let model = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || model.transcribe(&pcm_16k))
            .await
            .map_err(|err| SpeechError::Io(format!("the recogniser thread failed: {err}")))?
            .map_err(|err| SpeechError::Unavailable(err.to_string()))
    }
}
