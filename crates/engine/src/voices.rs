//! The speech engines a call uses, built from the configuration (or the agent's own choice, with
//! the account's vendor keys, see [`crate::vendor_keys`]):
//! which recogniser hears the callee, which voice speaks for the agent, and the sandbox callee's
//! voice. The offline engines (Moonshine, Piper) are loaded once per process and checked when the
//! engine starts ([`check_offline_engines`]), so a model that cannot run is reported at start-up
//! with a clear error instead of at the first call; a voice that cannot load falls back to
//! espeak-ng.

use crate::settings::SpeechSettings;
use crate::vendor_keys::{Access, AccountKeys, server_default};
use agentline_domain::speech::{AgentSpeech, SttEngine, TtsEngine};
use agentline_domain::vendor::Vendor;
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

/// The engines of one call, and what the call should note about how they were chosen.
pub(crate) struct Engines {
    /// The recogniser for callee speech; an error says why there is none (the call goes on, deaf).
    pub stt: Result<Arc<dyn SpeechToText>, String>,
    pub tts: Arc<dyn TextToSpeech>,
    /// Each vendor that had no key and the offline engine used instead.
    pub notes: Vec<String>,
}

impl Engines {
    /// What a call gets when the engines could not be built at all.
    pub(crate) fn failed(err: tokio::task::JoinError) -> Self {
        let stt = Err(format!("the speech engines could not be set up: {err}"));
        Self { stt, tts: fallback_voice(), notes: Vec::new() }
    }
}

/// The call's engines: the agent's own, else the server's, each vendor reached as [`route`]
/// decides. `voice` (the call's, else the agent's) replaces the engine's voice.
pub(crate) fn engines(
    settings: &SpeechSettings,
    speech: &AgentSpeech,
    keys: &AccountKeys,
    voice: Option<&str>,
) -> Engines {
    let mut notes = Vec::new();
    let stt = speech.stt.clone().map_or_else(|| server_stt(settings), Ok).and_then(|engine| {
        let route = route(settings, keys, engine.vendor(), stt_url(&engine), speech.stt.is_some());
        notes.extend(route.missing("the local recogniser hears instead"));
        build_stt(settings, &engine, route)
    });
    let engine = speech.tts.clone().unwrap_or_else(|| server_tts(settings));
    let route = route(settings, keys, engine.vendor(), tts_url(&engine), speech.tts.is_some());
    notes.extend(route.missing("the offline voice speaks instead"));
    Engines { stt, tts: build_tts(settings, &engine, route, voice), notes }
}

/// How an engine is reached.
enum Route {
    /// On this server: offline engines and stand-ins.
    Here,
    Vendor(Access),
    /// A vendor the agent chose, with no key anywhere: the offline engine stands in.
    NoKey(Vendor),
}

impl Route {
    /// The note a call records when its vendor had no key.
    fn missing(&self, instead: &str) -> Option<String> {
        let Self::NoKey(vendor) = self else { return None };
        let name = vendor.as_str();
        Some(format!(
            "{name} needs an API key and there is none, neither the account's (PUT /v1/credentials/{name}) \
             nor the server's: {instead}"
        ))
    }
}

/// The route to `vendor` (none: the engine runs here). The server's own choice with no key
/// anywhere goes keyless to the server's URL, as configured (a self-hosted server may need none).
fn route(
    settings: &SpeechSettings,
    keys: &AccountKeys,
    vendor: Option<Vendor>,
    url: Option<&str>,
    agents: bool,
) -> Route {
    let Some(vendor) = vendor else { return Route::Here };
    match keys.access(settings, vendor, url) {
        Some(access) => Route::Vendor(access),
        None if agents => Route::NoKey(vendor),
        None => Route::Vendor(Access { url: server_default(settings, vendor).0.to_owned(), key: None }),
    }
}

/// The server's `speech.stt` as an engine; an error when it is `none`.
fn server_stt(settings: &SpeechSettings) -> Result<SttEngine, String> {
    Ok(match settings.stt.as_str() {
        "local" => SttEngine::Local {},
        "deepgram" => SttEngine::Deepgram { model: settings.deepgram_model.clone(), language: None },
        "openai" => SttEngine::Openai { model: settings.openai_stt_model.clone(), language: None, base_url: None },
        _ => return Err("speech.stt is none: callee speech is not transcribed".to_owned()),
    })
}

/// The server's `speech.tts` as an engine.
fn server_tts(settings: &SpeechSettings) -> TtsEngine {
    match settings.tts.as_str() {
        "openai" => {
            TtsEngine::Openai { model: settings.openai_tts_model.clone(), voice: "alloy".into(), base_url: None }
        }
        "elevenlabs" => TtsEngine::Elevenlabs {
            voice_id: "21m00Tcm4TlvDq8ikWAM".into(),
            model_id: settings.elevenlabs_model.clone(),
        },
        "espeak" => TtsEngine::Espeak { voice: None },
        _ => TtsEngine::Piper {},
    }
}

fn stt_url(engine: &SttEngine) -> Option<&str> {
    match engine {
        SttEngine::Openai { base_url, .. } => base_url.as_deref(),
        _ => None,
    }
}

fn tts_url(engine: &TtsEngine) -> Option<&str> {
    match engine {
        TtsEngine::Openai { base_url, .. } => base_url.as_deref(),
        _ => None,
    }
}

/// The recogniser `engine` describes; a vendor without a key falls back to the local one.
fn build_stt(settings: &SpeechSettings, engine: &SttEngine, route: Route) -> Result<Arc<dyn SpeechToText>, String> {
    let timeout = Duration::from_secs(settings.timeout_secs);
    Ok(match (engine, route) {
        (SttEngine::StandIn { transcript, delay_ms }, _) => {
            Arc::new(StandInStt { transcript: transcript.clone(), delay: millis(*delay_ms) })
        }
        (SttEngine::Deepgram { model, language }, Route::Vendor(Access { url, key })) => {
            Arc::new(Deepgram { url, api_key: key, model: model.clone(), language: language.clone(), timeout })
        }
        (SttEngine::Openai { model, language, .. }, Route::Vendor(Access { url, key })) => {
            Arc::new(Buffered(Arc::new(OpenAiTranscription {
                base_url: url,
                api_key: key,
                model: model.clone(),
                language: language.clone(),
                timeout,
                http: Default::default(),
            })))
        }
        (SttEngine::Local {} | SttEngine::Deepgram { .. } | SttEngine::Openai { .. }, _) => {
            local_model(settings).map(|model| Arc::new(Buffered(Arc::new(Local(model)))) as Arc<dyn SpeechToText>)?
        }
    })
}

/// The voice `engine` describes, speaking as `voice` where the engine has voices; a vendor
/// without a key, and Piper, give the offline neural voice (else espeak-ng).
fn build_tts(
    settings: &SpeechSettings,
    engine: &TtsEngine,
    route: Route,
    voice: Option<&str>,
) -> Arc<dyn TextToSpeech> {
    let timeout = Duration::from_secs(settings.timeout_secs);
    match (engine, route) {
        (TtsEngine::StandIn { audio_ms, delay_ms }, _) => {
            Arc::new(StandInTts { audio: millis(*audio_ms), delay: millis(*delay_ms) })
        }
        (TtsEngine::Openai { model, voice: own, .. }, Route::Vendor(Access { url, key })) => Arc::new(OpenAiSpeech {
            base_url: url,
            api_key: key,
            model: model.clone(),
            voice: voice.unwrap_or(own).to_owned(),
            timeout,
            http: Default::default(),
        }),
        (TtsEngine::Elevenlabs { voice_id, model_id }, Route::Vendor(Access { url, key })) => Arc::new(ElevenLabs {
            base_url: url,
            api_key: key,
            voice_id: voice.unwrap_or(voice_id).to_owned(),
            model_id: model_id.clone(),
            timeout,
            http: Default::default(),
        }),
        (TtsEngine::Espeak { voice: own }, _) => {
            Arc::new(Espeak { voice: voice.or(own.as_deref()).map(str::to_owned), words_per_minute: None })
        }
        (TtsEngine::Piper {} | TtsEngine::Openai { .. } | TtsEngine::Elevenlabs { .. }, _) => {
            neural_voice(settings).unwrap_or_else(fallback_voice)
        }
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
    if let Some(why) = model.unfolded_decoder() {
        tracing::warn!(reason = why, "the local recogniser decodes from the slower .ort file");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor_keys::tests::{account_keys, settings};

    fn speech(value: serde_json::Value) -> AgentSpeech {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_agents_vendor_with_a_key_is_used() {
        let agent = speech(serde_json::json!({"tts": {"type": "elevenlabs", "voice_id": "v", "model_id": "m"}}));
        let chosen = engines(&settings(), &agent, &account_keys(Vendor::Elevenlabs, "k", None), None);
        assert_eq!(chosen.tts.name(), "elevenlabs");
        assert!(chosen.notes.is_empty(), "{:?}", chosen.notes);
    }

    #[test]
    fn an_agents_vendor_without_a_key_gives_way_to_the_offline_engine_with_a_note() {
        let agent = speech(serde_json::json!({
            "stt": {"type": "openai", "model": "whisper-1"},
            "tts": {"type": "elevenlabs", "voice_id": "v", "model_id": "m"},
        }));
        let chosen = engines(&settings(), &agent, &AccountKeys::default(), None);
        assert_ne!(chosen.tts.name(), "elevenlabs");
        assert!(chosen.stt.as_ref().map_or(true, |stt| stt.name() != "openai-transcription"));
        assert_eq!(chosen.notes.len(), 2, "{:?}", chosen.notes);
        assert!(chosen.notes[0].starts_with("openai needs an API key"), "{:?}", chosen.notes);
        assert!(chosen.notes[1].contains("PUT /v1/credentials/elevenlabs"), "{:?}", chosen.notes);
    }

    #[test]
    fn the_servers_own_vendor_choice_stays_keyless_as_configured() {
        let mut server = settings();
        server.tts = "openai".into();
        let chosen = engines(&server, &AgentSpeech::default(), &AccountKeys::default(), Some("nova"));
        assert_eq!(chosen.tts.name(), "openai-speech");
        assert!(chosen.notes.is_empty(), "{:?}", chosen.notes);
    }

    #[test]
    fn the_servers_deepgram_uses_its_key() {
        let mut server = settings();
        server.stt = "deepgram".into();
        let chosen = engines(&server, &AgentSpeech::default(), &AccountKeys::default(), None);
        assert_eq!(chosen.stt.map(|stt| stt.name()), Ok("deepgram"));
    }
}
