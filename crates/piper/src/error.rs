//! Why loading the voice or speaking failed, worded for the person reading the log.

use std::path::PathBuf;

/// A failure of [`crate::Piper`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum PiperError {
    /// A file of the installation is missing.
    #[error("{} is missing (run scripts/install-piper.sh)", path.display())]
    Missing {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The voice's `.onnx.json` cannot be read or is not a Piper config this crate can use.
    #[error("bad voice config {}: {message}", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// ONNX Runtime could not be opened.
    #[error(transparent)]
    Runtime(#[from] agentline_onnx::OnnxError),
    /// ONNX Runtime refused the model (truncated, corrupt, or not a Piper voice).
    #[error("cannot load the voice model {}: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// ONNX Runtime's reason.
        message: String,
    },
    /// The espeak-ng program is not installed.
    #[error("espeak-ng is not installed (apt-get install espeak-ng): the voice needs it for phonemes")]
    EspeakMissing,
    /// espeak-ng ran but failed.
    #[error("espeak-ng failed: {0}")]
    Espeak(String),
    /// The model failed while speaking.
    #[error("voice synthesis failed: {0}")]
    Synthesis(String),
}
