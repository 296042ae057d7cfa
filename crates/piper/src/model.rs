//! The voice's ONNX graph (VITS, exported by Piper) on ONNX Runtime.
//!
//! In: `input` i64 `[1, n]` phoneme ids, `input_lengths` i64 `[1]` = n, `scales` f32 `[3]`, and `sid` i64
//! `[1]` for multi-speaker voices (speaker 0 here). Out: f32 audio `[1, 1, 1, samples]` in about [-1, 1] at
//! the config's sample rate. `Session::run` needs `&mut`, so the session sits behind a `Mutex`: one sentence
//! at a time per loaded voice, each on one thread by default, which is the budget a call gets.

use crate::PiperError;
use ort::environment::Environment;
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use std::borrow::Cow;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

const INPUTS: [&str; 3] = ["input", "input_lengths", "scales"];

/// A loaded voice model.
pub(crate) struct Model {
    session: Mutex<Session>,
    multi_speaker: bool,
    path: PathBuf,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("path", &self.path).field("multi_speaker", &self.multi_speaker).finish()
    }
}

impl Model {
    /// Loads the graph at `path` with `threads` threads inside each operator. ONNX Runtime checks the file, so a
    /// truncated or foreign one is an error here, not a crash later.
    pub(crate) fn load(environment: &Environment, path: &Path, threads: NonZeroUsize) -> Result<Model, PiperError> {
        let model_error = |message: String| PiperError::Model { path: path.to_path_buf(), message };
        let session = Session::builder(environment)
            .and_then(|builder| builder.with_intra_threads(threads.get()).map_err(Into::into))
            .and_then(|mut builder| builder.commit_from_file(path))
            .map_err(|error| model_error(error.to_string()))?;
        let has_input = |name: &str| session.inputs().iter().any(|input| input.name() == name);
        if let Some(missing) = INPUTS.iter().find(|name| !has_input(name)) {
            return Err(model_error(format!("not a Piper voice: no input {missing}")));
        }
        let multi_speaker = has_input("sid");
        Ok(Model { session: Mutex::new(session), multi_speaker, path: path.to_path_buf() })
    }

    /// Speaks one sentence's ids; blocks for the length of the inference (about a tenth of the audio's length
    /// on one core).
    pub(crate) fn run(&self, ids: &[i64], scales: [f32; 3]) -> Result<Vec<f32>, PiperError> {
        let failed = |error: ort::Error| PiperError::Synthesis(error.to_string());
        let inputs = self.inputs(ids, scales).map_err(failed)?;
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = session.run(inputs).map_err(failed)?;
        let Some(audio) = outputs.values().next() else {
            return Err(PiperError::Synthesis("the model returned no output".into()));
        };
        let (_, samples) = audio.try_extract_tensor::<f32>().map_err(failed)?;
        Ok(samples.to_vec())
    }

    fn inputs(
        &self,
        ids: &[i64],
        scales: [f32; 3],
    ) -> ort::Result<Vec<(Cow<'static, str>, SessionInputValue<'static>)>> {
        let length = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let mut inputs: Vec<(Cow<'static, str>, SessionInputValue<'static>)> = vec![
            ("input".into(), Tensor::from_array(([1, ids.len()], ids.to_vec()))?.into()),
            ("input_lengths".into(), Tensor::from_array(([1], vec![length]))?.into()),
            ("scales".into(), Tensor::from_array(([3], scales.to_vec()))?.into()),
        ];
        if self.multi_speaker {
            inputs.push(("sid".into(), Tensor::from_array(([1], vec![0_i64]))?.into()));
        }
        Ok(inputs)
    }
}
