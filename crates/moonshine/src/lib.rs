//! Offline speech-to-text with Moonshine base-en.
//!
//! The English weights (MIT) and ONNX Runtime 1.22.1 come from the PyPI wheel `moonshine-cpp==0.1.4`;
//! `scripts/install-moonshine.sh` puts them in one directory:
//!
//! ```text
//! <dir>/libonnxruntime.so.1                  (the wheel's libonnxruntime.so.1.22.1)
//! <dir>/models/base-en/encoder_model.ort
//! <dir>/models/base-en/decoder_model_merged.ort
//! <dir>/models/base-en/tokenizer.bin
//! ```
//!
//! The decoding loop is ours (`src/model.rs`, `src/tokenizer.rs`); ONNX Runtime runs the two graphs. The wheel's own
//! `libmoonshine.so` is not used: it is compiled with AVX-512 and kills the process with SIGILL on CPUs
//! without it (AMD Zen 3, most desktops). ONNX Runtime's official builds choose their kernels by CPU at run
//! time, and this crate is built for baseline x86-64, so the engine runs on any x86-64 CPU
//! (`scripts/check-portable.sh` runs the recogniser test on an emulated Haswell, which has no AVX-512).
//!
//! Nothing is linked or downloaded at build time: [`Moonshine::load`] opens ONNX Runtime with `dlopen`
//! (the `ort` crate's `load-dynamic`), so everything builds and runs without it until a model is actually
//! loaded. Python is not needed at run time. A process uses the ONNX Runtime library of the first model it
//! loads.
//!
//! The model does not stream: give it one utterance (or VAD chunk) at a time. Each model runs one
//! transcription at a time, on one thread by default ([`Options`]): a phone server spends one core per
//! transcription. The wheel's decoder (`.ort`) dequantises its int8 weights again at every token; the first
//! [`Moonshine::load`] of an installation derives a copy folded to fp32 beside it (`fold.rs`; 275 MB, a few
//! seconds, once) and later loads use it ([`Moonshine::unfolded_decoder`] says why not, if not).
//! Measured on a shared 2-vCPU box (`cargo run --release --example wer`, 27.7 s of telephone speech): load
//! 1.2 s; 0.06 CPU-seconds per second of audio (0.35–0.42 from the `.ort` file, 0.40–0.46 with
//! `libmoonshine.so`); same WER (21.7 % phrase by phrase on espeak-ng's voice). Memory is a high-water mark set by
//! the longest input (ONNX Runtime's arena): about 0.7 GB RSS. Still, share one [`Moonshine`] and give it VAD
//! chunks of at most about 10 s; longer audio is cut at quiet points into pieces of at most 20 s as a backstop.
//!
//! Quirks handled by [`Moonshine::transcribe`]: inputs under 56 ms are too short for the encoder (they are
//! padded); a phrase followed by more than about a second of silence, and some 6–10 s inputs of several
//! sentences, come back as an empty text (quiet edges are trimmed, and empty results for 4 s or more are
//! retried as two halves).

mod chunk;
mod fold;
mod model;
mod subgraph_names;
mod tokenizer;
pub mod wer;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// Environment variable naming the directory [`default_dir`] returns.
pub const DIR_ENV: &str = "AGENTLINE_MOONSHINE_DIR";

/// Environment variable setting [`Options::threads`] for [`Moonshine::load`] (a positive number; default 1).
pub const THREADS_ENV: &str = "AGENTLINE_MOONSHINE_THREADS";

/// Why Moonshine could not be loaded or could not transcribe.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MoonshineError {
    /// A file of the installation is missing.
    #[error(
        "Moonshine is not installed in {}: {} is missing (run scripts/install-moonshine.sh, or point \
         AGENTLINE_MOONSHINE_DIR at a directory it installed into)",
        .dir.display(),
        .path.display()
    )]
    MissingFile { dir: PathBuf, path: PathBuf },
    /// ONNX Runtime could not be opened (not a library, wrong architecture, too old a version…).
    #[error("cannot load ONNX Runtime from {}: {message}", .path.display())]
    LoadLibrary { path: PathBuf, message: String },
    /// ONNX Runtime refused a model file, or it is not the graph this crate drives.
    #[error(
        "cannot load the model {}: {message} (truncated or another version? run scripts/install-moonshine.sh \
         again)",
        .path.display()
    )]
    ModelLoad { path: PathBuf, message: String },
    /// `tokenizer.bin` is unreadable or malformed.
    #[error(
        "cannot read the tokenizer {}: {message} (run scripts/install-moonshine.sh again)",
        .path.display()
    )]
    Tokenizer { path: PathBuf, message: String },
    /// ONNX Runtime failed while running the model.
    #[error("Moonshine could not transcribe the audio: {message}")]
    Transcribe { message: String },
}

/// How a model is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Threads ONNX Runtime uses inside one operator. One by default: a phone server runs many calls, and a
    /// second thread gains little on a busy machine.
    pub threads: NonZeroUsize,
}

impl Default for Options {
    fn default() -> Options {
        Options { threads: NonZeroUsize::MIN }
    }
}

impl Options {
    /// The defaults, with `threads` from [`THREADS_ENV`] when it holds a positive number.
    pub fn from_env() -> Options {
        let threads = std::env::var(THREADS_ENV).ok().and_then(|v| v.trim().parse::<NonZeroUsize>().ok());
        Options { threads: threads.unwrap_or(NonZeroUsize::MIN) }
    }

    /// These options with `threads` threads per operator.
    pub fn with_threads(self, threads: NonZeroUsize) -> Options {
        Options { threads }
    }
}

/// A loaded Moonshine model. Calls on one model run one at a time (the sessions sit behind a mutex).
pub struct Moonshine {
    model: model::Model,
}

impl std::fmt::Debug for Moonshine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moonshine").finish_non_exhaustive()
    }
}

impl Moonshine {
    /// `dir` holds libonnxruntime.so.1 and models/base-en/{encoder_model.ort, decoder_model_merged.ort,
    /// tokenizer.bin} (the layout scripts/install-moonshine.sh creates). Clear error naming the missing or
    /// unusable file otherwise. Takes about a second (a few more the first time: see `fold.rs`). Options from
    /// the environment ([`Options::from_env`]).
    pub fn load(dir: &Path) -> Result<Self, MoonshineError> {
        Moonshine::load_with(dir, Options::from_env())
    }

    /// [`Moonshine::load`] with explicit options.
    pub fn load_with(dir: &Path, options: Options) -> Result<Self, MoonshineError> {
        let files = Files::in_dir(dir)?;
        Ok(Moonshine { model: model::Model::load(&files, options)? })
    }

    /// Why the decoder runs from the wheel's `.ort` file, about three times slower per token than from the
    /// folded copy the first load derives beside it (see `fold.rs`); `None` when the folded copy is in use.
    pub fn unfolded_decoder(&self) -> Option<&str> {
        self.model.unfolded()
    }

    /// 16 kHz mono audio → text (trimmed). Blocking; callers run it on a blocking thread. Empty input → Ok("").
    ///
    /// Audio longer than 20 s is cut at the quietest 100 ms between 15 and 20 s into each piece. Each piece
    /// loses its quiet edges (all but 0.5 s; a silent piece is not given to the model at all), and a piece of
    /// 4 s or more that comes back empty is split at its quietest point and tried again as two halves (and their
    /// halves): the model returns nothing for some multi-sentence inputs and for speech followed by a long
    /// silence. The texts are joined with spaces. Calls on one `Moonshine` run one piece at a time.
    pub fn transcribe(&self, pcm_16k: &[i16]) -> Result<String, MoonshineError> {
        let mut texts = Vec::new();
        for piece in chunk::split(pcm_16k, chunk::Plan::DEFAULT) {
            self.transcribe_piece(&pcm_16k[piece], MAX_RETRY_DEPTH, &mut texts)?;
        }
        Ok(texts.join(" "))
    }

    /// Transcribes `pcm`, splitting it in two and retrying (at most `retries` levels deep) when the model returns
    /// nothing. Each level costs at most one more pass over the audio, so the worst case (long noise with no
    /// words) is three times the cost of one pass.
    fn transcribe_piece(&self, pcm: &[i16], retries: u8, texts: &mut Vec<String>) -> Result<(), MoonshineError> {
        let speech = &pcm[chunk::trim_quiet(pcm)];
        if speech.is_empty() {
            return Ok(());
        }
        let text = self.model.transcribe(&padded_samples(speech))?;
        if !text.is_empty() {
            texts.push(text);
        } else if retries > 0
            && let Some(cut) = chunk::retry_cut(speech)
        {
            self.transcribe_piece(&speech[..cut], retries - 1, texts)?;
            self.transcribe_piece(&speech[cut..], retries - 1, texts)?;
        }
        Ok(())
    }
}

/// How many times a piece the model returned nothing for is halved again (20 s → 10 s → 5 s).
const MAX_RETRY_DEPTH: u8 = 2;

/// Shortest input given to the model: shorter audio is padded with silence. The encoder's convolutions need at
/// least 895 samples (56 ms). With the C library less aborted the process; through ONNX Runtime's C API it
/// is only an error, but a click too short for any word should give no text, not an error. A quarter of a
/// second leaves a wide margin.
const MIN_SAMPLES: usize = 4_000;

/// `pcm` as the model's input: scaled to [-1, 1], padded with silence to [`MIN_SAMPLES`].
fn padded_samples(pcm: &[i16]) -> Vec<f32> {
    let mut samples: Vec<f32> = pcm.iter().map(|&s| f32::from(s) / 32768.0).collect();
    samples.resize(samples.len().max(MIN_SAMPLES), 0.0);
    samples
}

/// The directory used when none is configured: `$AGENTLINE_MOONSHINE_DIR` if set (and not empty), else
/// `.agentline/moonshine` in the agentline checkout containing the current directory (the nearest ancestor with
/// `scripts/install-moonshine.sh`, so tests and tools run from any sub-directory agree), else
/// `.agentline/moonshine` in the current directory. `scripts/install-moonshine.sh` installs there by default.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_ENV).filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd.ancestors().find(|dir| dir.join("scripts/install-moonshine.sh").is_file()).unwrap_or(&cwd);
    root.join(".agentline").join("moonshine")
}

/// The files of an installation, each checked to exist. (Their sizes are no longer checked: the C library
/// aborted the process on a truncated model, ONNX Runtime's C API reports it as an error.)
pub(crate) struct Files {
    pub(crate) onnxruntime: PathBuf,
    pub(crate) encoder: PathBuf,
    pub(crate) decoder: PathBuf,
    pub(crate) tokenizer: PathBuf,
}

impl Files {
    fn in_dir(dir: &Path) -> Result<Files, MoonshineError> {
        let model = dir.join("models").join("base-en");
        let files = Files {
            onnxruntime: dir.join(agentline_onnx::LIBRARY_FILE),
            encoder: model.join("encoder_model.ort"),
            decoder: model.join("decoder_model_merged.ort"),
            tokenizer: model.join("tokenizer.bin"),
        };
        for path in [&files.onnxruntime, &files.encoder, &files.decoder, &files.tokenizer] {
            if !path.is_file() {
                return Err(MoonshineError::MissingFile { dir: dir.to_path_buf(), path: path.clone() });
            }
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 4] = [
        "libonnxruntime.so.1",
        "models/base-en/encoder_model.ort",
        "models/base-en/decoder_model_merged.ort",
        "models/base-en/tokenizer.bin",
    ];

    fn touch(dir: &Path, name: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"").unwrap();
    }

    #[test]
    fn names_the_first_missing_file() {
        let tmp = tempfile::tempdir().unwrap();
        for (present, missing) in ALL.iter().enumerate() {
            let err = Moonshine::load(tmp.path()).unwrap_err();
            let MoonshineError::MissingFile { dir, path } = &err else { panic!("{err:?}") };
            assert_eq!(dir, tmp.path());
            assert_eq!(path, &tmp.path().join(missing), "with {present} files present");
            let message = err.to_string();
            assert!(message.contains(missing) && message.contains("scripts/install-moonshine.sh"), "{message}");
            touch(tmp.path(), missing);
        }
    }

    #[test]
    fn a_directory_of_the_wrong_name_counts_as_missing() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ALL {
            touch(tmp.path(), name);
        }
        std::fs::remove_file(tmp.path().join("models/base-en/tokenizer.bin")).unwrap();
        std::fs::create_dir(tmp.path().join("models/base-en/tokenizer.bin")).unwrap();
        let err = Moonshine::load(tmp.path()).unwrap_err();
        assert!(matches!(&err, MoonshineError::MissingFile { path, .. } if path.ends_with("tokenizer.bin")));
    }

    /// No test in this process opens the real ONNX Runtime (tests/recognises_speech.rs does, in its own), so
    /// the library is always opened here, and refused.
    #[test]
    fn a_file_that_is_not_a_library_is_a_load_error() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ALL {
            touch(tmp.path(), name);
        }
        std::fs::write(tmp.path().join("libonnxruntime.so.1"), b"not an ELF file").unwrap();
        let err = Moonshine::load(tmp.path()).unwrap_err();
        let MoonshineError::LoadLibrary { path, .. } = &err else { panic!("{err:?}") };
        assert_eq!(path, &tmp.path().join("libonnxruntime.so.1"));
        assert!(err.to_string().starts_with("cannot load ONNX Runtime from "), "{err}");
    }

    #[test]
    fn short_input_is_scaled_and_padded() {
        let samples = padded_samples(&[i16::MIN, 16_384]);
        assert_eq!(samples.len(), MIN_SAMPLES);
        assert_eq!(&samples[..3], &[-1.0, 0.5, 0.0]);
        assert_eq!(padded_samples(&vec![1; MIN_SAMPLES + 1]).len(), MIN_SAMPLES + 1);
    }

    #[test]
    fn one_thread_unless_configured() {
        assert_eq!(Options::default().threads.get(), 1);
        let two = NonZeroUsize::new(2).unwrap();
        assert_eq!(Options::default().with_threads(two).threads, two);
        // Only reads the variable: setting it would race with other tests (and is unsafe in edition 2024).
        let configured = std::env::var(THREADS_ENV).ok().and_then(|v| v.trim().parse::<NonZeroUsize>().ok());
        assert_eq!(Options::from_env().threads, configured.unwrap_or(NonZeroUsize::MIN));
    }

    #[test]
    fn the_environment_variable_names_the_default_dir() {
        // Only reads the variable: setting it would race with other tests (and is unsafe in edition 2024).
        let configured = std::env::var_os(DIR_ENV);
        if configured.as_ref().is_some_and(|dir| !dir.is_empty()) {
            assert_eq!(default_dir(), PathBuf::from(configured.unwrap()));
        } else {
            let dir = default_dir();
            assert!(dir.ends_with(".agentline/moonshine"), "{}", dir.display());
            // Run from crates/moonshine inside the checkout: the checkout root, not the crate directory.
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap();
            if root.join("scripts/install-moonshine.sh").is_file() {
                assert_eq!(dir, root.join(".agentline/moonshine"));
            }
        }
    }

    #[test]
    fn is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Moonshine>();
    }
}
