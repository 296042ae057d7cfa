//! The process's one ONNX Runtime environment, for every engine that runs a model on it (the Piper voice, the
//! Moonshine recogniser).
//!
//! `ort` lets a process build only one [`Environment`] (a second `build()` fails with "only one environment is
//! allowed per process") and opens only one library (the first `init_from` wins), but offers no way to fetch the
//! environment someone else built. So the engines share it through [`environment`] instead of each building its
//! own: whichever engine loads first opens the library, and the others reuse it.
//!
//! The library is ONNX Runtime 1.22.1's portable `libonnxruntime.so.1` that `scripts/install-moonshine.sh`
//! installs (see [`default_library`]); `ort` is built for C API 21 so that library can serve it.

use ort::environment::Environment;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The environment once built; `None` until the first engine loads.
static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// The file name (and SONAME) of the ONNX Runtime library.
pub const LIBRARY_FILE: &str = "libonnxruntime.so.1";

/// The ONNX Runtime library could not be opened or started.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot start ONNX Runtime from {}: {message}", library.display())]
pub struct OnnxError {
    /// The library that was asked for.
    pub library: PathBuf,
    /// What went wrong, in ONNX Runtime's words.
    pub message: String,
}

/// The process's environment, created from the library at `library` the first time. Later calls reuse it,
/// whatever library they name: a process can hold only one.
pub fn environment(library: &Path) -> Result<Environment, OnnxError> {
    let mut environment = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(environment) = environment.as_ref() {
        return Ok(environment.clone());
    }
    let error = |message: String| OnnxError { library: library.to_path_buf(), message };
    if !library.is_file() {
        return Err(error("no such file (scripts/install-moonshine.sh installs it)".into()));
    }
    // ort resolves a relative path against the executable's directory; callers mean the current one.
    let absolute = std::path::absolute(library).map_err(|e| error(e.to_string()))?;
    let built = ort::init_from(&absolute)
        .map_err(|e| error(e.to_string()))?
        .with_name("agentline")
        .with_telemetry(false)
        .build()
        .map_err(|e| error(e.to_string()))?;
    Ok(environment.insert(built).clone())
}

/// Where `scripts/install-moonshine.sh` puts the library by default: `$AGENTLINE_MOONSHINE_DIR`, else
/// `.agentline/moonshine` in the checkout that holds the current directory.
pub fn default_library() -> PathBuf {
    if let Some(dir) = std::env::var_os("AGENTLINE_MOONSHINE_DIR").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir).join(LIBRARY_FILE);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd.ancestors().find(|dir| dir.join("scripts/install-moonshine.sh").is_file()).unwrap_or(&cwd);
    root.join(".agentline").join("moonshine").join(LIBRARY_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_an_error_naming_it() {
        let missing = Path::new("/nonexistent/libonnxruntime.so.1");
        let error = environment(missing).expect_err("no library there");
        assert_eq!(error.library, missing);
        assert!(error.to_string().contains("install-moonshine.sh"), "{error}");
    }
}
