//! Speech providers behind traits, with clients for the vendors' real wire protocols.
//!
//! All audio crossing this crate's boundary is 8 kHz mono i16: telephone audio, 20 ms frames of
//! 160 samples. Each engine converts to and from its own rate inside.
//!
//! - Speech-to-text: [`SpeechToText`] opens an [`SttStream`] per caller turn; frames are pushed as
//!   they arrive and [`SttStream::finish`] returns the text. Streaming engines ([`Deepgram`])
//!   transcribe while the caller speaks; batch engines ([`BatchTranscriber`], e.g.
//!   [`OpenAiTranscription`]) are adapted with [`Buffered`].
//! - Text-to-speech: [`TextToSpeech::synthesize`] returns an [`AudioStream`] of 8 kHz chunks,
//!   yielded as soon as they are decoded so playback can start early. Offline voices: [`Espeak`]
//!   (robotic, instant) and [`PiperVoice`] (neural, sentence by sentence); [`PhraseCache`] replays
//!   phrases a voice said (or prepared) before.
//!
//! Dropping a stream or a future cancels its work (the HTTP request, the WebSocket, the
//! process): that is how barge-in stops speech.
//!
//! HTTPS and WSS use rustls with the ring crypto provider, installed as the process default when
//! the process has none (see [`http`]).

pub mod buffered;
pub mod deepgram;
pub mod elevenlabs;
pub mod error;
pub mod espeak;
pub mod http;
pub mod openai_stt;
pub mod openai_tts;
mod pcm_stream;
pub mod phrase_cache;
pub mod piper;
pub mod stand_in;
mod wav;

pub use buffered::Buffered;
pub use deepgram::Deepgram;
pub use elevenlabs::ElevenLabs;
pub use error::SpeechError;
pub use espeak::Espeak;
pub use openai_stt::OpenAiTranscription;
pub use openai_tts::OpenAiSpeech;
pub use phrase_cache::PhraseCache;
pub use piper::PiperVoice;
pub use stand_in::{StandInStt, StandInTts};

/// Sample rate at the crate boundary: telephone audio.
pub const TELEPHONE_HZ: u32 = 8000;

/// A speech-to-text engine that can transcribe one caller turn at a time.
#[async_trait::async_trait]
pub trait SpeechToText: Send + Sync {
    /// Short engine name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Starts a transcription for one turn; opened when the caller starts speaking.
    async fn open(&self) -> Result<Box<dyn SttStream>, SpeechError>;
    /// Whether transcribing the turn so far at each of the caller's pauses costs only local CPU (no
    /// request, no fee): the conversation then drafts a transcript at every pause, to end the turn
    /// sooner when the caller finished a sentence.
    fn drafts_are_cheap(&self) -> bool {
        false
    }
}

/// One turn being transcribed.
#[async_trait::async_trait]
pub trait SttStream: Send {
    /// Adds caller audio (8 kHz mono, usually one 20 ms frame).
    async fn push(&mut self, pcm_8k: &[i16]) -> Result<(), SpeechError>;
    /// Ends the turn and returns what was said ("" for silence).
    async fn finish(self: Box<Self>) -> Result<String, SpeechError>;
}

/// Batch engines: the whole utterance at 16 kHz.
#[async_trait::async_trait]
pub trait BatchTranscriber: Send + Sync + 'static {
    /// Short engine name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Transcribes one utterance of 16 kHz mono audio.
    async fn transcribe(&self, pcm_16k: Vec<i16>) -> Result<String, SpeechError>;
    /// Whether the engine runs on this machine (no request per utterance).
    fn runs_locally(&self) -> bool {
        false
    }
}

/// Synthesized speech: 8 kHz mono chunks in playing order. A failure mid-stream is yielded as
/// one `Err`, after which the stream ends.
pub type AudioStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Vec<i16>, SpeechError>> + Send>>;

/// A text-to-speech engine.
#[async_trait::async_trait]
pub trait TextToSpeech: Send + Sync {
    /// Short engine name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Speaks `text` (usually one sentence). Resolves once audio starts coming (or fails);
    /// the chunks follow on the returned stream.
    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError>;
    /// Synthesizes `text` ahead of time when the engine keeps phrases ([`PhraseCache`]), so saying it
    /// later starts at once; engines that keep nothing do nothing.
    async fn prepare(&self, _text: &str) {}
}

/// All of `text`'s 8 kHz audio at once, for what is played whole (a whisper, a sandbox line).
pub async fn synthesize_all(tts: &dyn TextToSpeech, text: &str) -> Result<Vec<i16>, SpeechError> {
    use futures_util::StreamExt;
    let mut audio = tts.synthesize(text).await?;
    let mut pcm = Vec::new();
    while let Some(chunk) = audio.next().await {
        pcm.extend(chunk?);
    }
    Ok(pcm)
}
