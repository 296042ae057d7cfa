//! Moonshine base-en on ONNX Runtime: the encoder and the merged decoder, and the greedy decoding loop
//! between them.
//!
//! This replaces `libmoonshine.so` from the same wheel, which is compiled with AVX-512 and dies with SIGILL on
//! CPUs without it. ONNX Runtime itself picks its kernels by CPU at run time, and the loop here is plain Rust
//! built for baseline x86-64, so the engine runs on any x86-64 CPU ONNX Runtime runs on.
//!
//! The loop (batch 1): the encoder turns 16 kHz samples in [-1, 1] into hidden states once; the decoder then
//! produces one token per run, starting from `<s>`, until `</s>` or the token budget. At step 0
//! `use_cache_branch` is false and the decoder computes both caches; afterwards it is true and the decoder
//! reads them. Its self-attention cache (`present.*.decoder.*`) is moved into the next step's
//! `past_key_values.*.decoder.*` every step. Its cross-attention cache (`present.*.encoder.*`) is taken from
//! step 0 only: in the cache branch those outputs are placeholders of shape `[0, 8, 1, 52]`, and feeding them
//! back fails in a Reshape.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use ort::environment::Environment;
use ort::session::{Session, SessionInputValue, SessionOutputs};
use ort::value::{DynValue, Tensor, TensorRef};

use crate::tokenizer::Tokenizer;
use crate::{Files, MoonshineError, Options};

/// `<s>`, the token every transcript starts from.
const START: usize = 1;
/// `</s>`, the token that ends it.
const END: usize = 2;
/// Most tokens per second of audio the decoder may produce (the C library's budget; speech measured
/// 3.6–4.4 tokens/s). Bounds the loop when the model never produces `</s>`.
const TOKENS_PER_SECOND: f64 = 6.5;
/// Samples per second of the encoder's input.
const SAMPLE_RATE: f64 = 16_000.0;

const ENCODER_INPUT: &str = "input_values";
const ENCODER_OUTPUT: &str = "last_hidden_state";
const TOKEN_INPUT: &str = "input_ids";
const HIDDEN_INPUT: &str = "encoder_hidden_states";
const BRANCH_INPUT: &str = "use_cache_branch";
const LOGITS_OUTPUT: &str = "logits";
const PAST_PREFIX: &str = "past_key_values.";
const PRESENT_PREFIX: &str = "present.";

/// A loaded model: both sessions, the decoder's cache layout and the vocabulary.
pub(crate) struct Model {
    /// `Session::run` takes `&mut`: one transcription at a time per model.
    sessions: Mutex<Sessions>,
    cache: CacheLayout,
    tokenizer: Tokenizer,
    /// Why the folded decoder (`fold.rs`) is not used, if it is not.
    unfolded: Option<String>,
}

struct Sessions {
    encoder: Session,
    decoder: Session,
}

/// The names of one cache tensor: the decoder's input for it and the output that replaces it.
struct CacheName {
    past: String,
    present: String,
}

/// Which cache tensors the decoder takes, and the shape of one with no positions (step 0).
struct CacheLayout {
    /// Self-attention keys and values, replaced every step.
    decoder: Vec<CacheName>,
    /// Cross-attention keys and values, computed at step 0 only.
    encoder: Vec<CacheName>,
    /// `[1, heads, 0, head_dim]`.
    empty_shape: [i64; 4],
}

impl Model {
    /// Opens ONNX Runtime (once per process), both sessions and the tokenizer, and checks that the decoder has
    /// the inputs and outputs the loop needs.
    pub(crate) fn load(files: &Files, options: Options) -> Result<Model, MoonshineError> {
        let environment = environment(&files.onnxruntime)?;
        let encoder = session(&environment, &files.encoder, options)?;
        expect_names(&encoder, &files.encoder, &[ENCODER_INPUT], &[ENCODER_OUTPUT])?;
        let (decoder, unfolded) = decoder_session(&environment, &files.decoder, options)?;
        expect_names(&decoder, &files.decoder, &[TOKEN_INPUT, HIDDEN_INPUT, BRANCH_INPUT], &[LOGITS_OUTPUT])?;
        let cache = CacheLayout::of(&decoder, &files.decoder)?;
        let tokenizer = Tokenizer::load(&files.tokenizer)?;
        Ok(Model { sessions: Mutex::new(Sessions { encoder, decoder }), cache, tokenizer, unfolded })
    }

    /// Why the decoder runs from the slower `.ort` file, if it does.
    pub(crate) fn unfolded(&self) -> Option<&str> {
        self.unfolded.as_deref()
    }

    /// 16 kHz mono samples in [-1, 1] (at least the encoder's minimum length) → text, trimmed.
    pub(crate) fn transcribe(&self, pcm: &[f32]) -> Result<String, MoonshineError> {
        // A panic while the lock was held cannot leave the sessions half-updated: each run stands alone.
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let hidden = encode(&mut sessions.encoder, pcm)?;
        let ids = self.decode(&mut sessions.decoder, &hidden, token_budget(pcm.len()))?;
        Ok(self.tokenizer.decode(&ids))
    }

    /// The greedy loop (see the module docs): the ids produced, without `<s>` and `</s>`.
    fn decode(&self, decoder: &mut Session, hidden: &DynValue, budget: usize) -> Result<Vec<usize>, MoonshineError> {
        // Step 0 ignores the caches (use_cache_branch = false) but they must be bound: one empty tensor serves
        // for all of them, by reference.
        let empty = Tensor::<f32>::from_array((self.cache.empty_shape, Vec::new())).map_err(run_error)?.into_dyn();
        let (mut self_attention, mut cross_attention) = (Vec::new(), Vec::new());
        let (mut token, mut ids) = (START, Vec::new());
        for step in 0..budget {
            let inputs = if step == 0 {
                self.first_inputs(hidden, &empty)?
            } else {
                self.cached_inputs(token, hidden, std::mem::take(&mut self_attention), &cross_attention)?
            };
            let mut outputs = decoder.run(inputs).map_err(run_error)?;
            token = argmax(&outputs, self.tokenizer.len())?;
            if token == END {
                break;
            }
            ids.push(token);
            self_attention = take_outputs(&mut outputs, &self.cache.decoder)?;
            if step == 0 {
                cross_attention = take_outputs(&mut outputs, &self.cache.encoder)?;
            }
        }
        Ok(ids)
    }

    /// Step 0's inputs: `<s>`, no cache.
    fn first_inputs<'v>(&'v self, hidden: &'v DynValue, empty: &'v DynValue) -> Result<Inputs<'v>, MoonshineError> {
        let mut inputs = step_inputs(START, false, hidden)?;
        let names = self.cache.decoder.iter().chain(&self.cache.encoder);
        inputs.extend(names.map(|name| (Cow::from(name.past.as_str()), SessionInputValue::from(empty))));
        Ok(inputs)
    }

    /// A later step's inputs: the last token, the self-attention cache moved in (no copy), the cross-attention
    /// cache of step 0 lent.
    fn cached_inputs<'v>(
        &'v self,
        token: usize,
        hidden: &'v DynValue,
        self_attention: Vec<DynValue>,
        cross_attention: &'v [DynValue],
    ) -> Result<Inputs<'v>, MoonshineError> {
        let mut inputs = step_inputs(token, true, hidden)?;
        let names = |names: &'v [CacheName]| names.iter().map(|name| Cow::from(name.past.as_str()));
        inputs.extend(names(&self.cache.decoder).zip(self_attention.into_iter().map(SessionInputValue::from)));
        inputs.extend(names(&self.cache.encoder).zip(cross_attention.iter().map(SessionInputValue::from)));
        Ok(inputs)
    }
}

/// Named inputs of one decoder run.
type Inputs<'v> = Vec<(Cow<'v, str>, SessionInputValue<'v>)>;

/// The inputs every step has: the token, the encoder's hidden states (lent: unused after step 0, but bound)
/// and which branch of the merged decoder to run.
fn step_inputs(token: usize, cached: bool, hidden: &DynValue) -> Result<Inputs<'_>, MoonshineError> {
    // Token ids are below the vocabulary size (32,000), so the conversion cannot fail in practice.
    let id = i64::try_from(token).map_err(|_| MoonshineError::Transcribe { message: format!("token id {token}") })?;
    let token = Tensor::from_array(([1usize, 1], vec![id])).map_err(run_error)?;
    let branch = Tensor::from_array(([1usize], vec![cached])).map_err(run_error)?;
    Ok(vec![
        (Cow::from(TOKEN_INPUT), token.into()),
        (Cow::from(HIDDEN_INPUT), hidden.into()),
        (Cow::from(BRANCH_INPUT), branch.into()),
    ])
}

/// The encoder's hidden states for `pcm` (`[1, frames, 416]`).
fn encode(encoder: &mut Session, pcm: &[f32]) -> Result<DynValue, MoonshineError> {
    let input = TensorRef::from_array_view(([1usize, pcm.len()], pcm)).map_err(run_error)?;
    let mut outputs = encoder.run(ort::inputs![ENCODER_INPUT => input]).map_err(run_error)?;
    outputs.remove(ENCODER_OUTPUT).ok_or_else(|| missing_output(ENCODER_OUTPUT))
}

/// The most likely next token: the argmax of the last position's logits over the real vocabulary (the model
/// pads its logits to 32,768).
fn argmax(outputs: &SessionOutputs<'_>, vocabulary: usize) -> Result<usize, MoonshineError> {
    let logits = outputs.get(LOGITS_OUTPUT).ok_or_else(|| missing_output(LOGITS_OUTPUT))?;
    let (shape, data) = logits.try_extract_tensor::<f32>().map_err(run_error)?;
    let width = shape.last().and_then(|&w| usize::try_from(w).ok()).unwrap_or(0);
    let last_row = data.get(data.len().saturating_sub(width)..).unwrap_or_default();
    let real = last_row.get(..vocabulary.min(width)).unwrap_or_default();
    let best = real.iter().enumerate().max_by(|(_, a), (_, b)| a.total_cmp(b)).map(|(id, _)| id);
    best.ok_or_else(|| MoonshineError::Transcribe {
        message: format!("the decoder returned logits of shape {shape:?}"),
    })
}

/// Moves the outputs named in `names` out of `outputs`, in order.
fn take_outputs(outputs: &mut SessionOutputs<'_>, names: &[CacheName]) -> Result<Vec<DynValue>, MoonshineError> {
    names.iter().map(|name| outputs.remove(&name.present).ok_or_else(|| missing_output(&name.present))).collect()
}

/// `int(seconds × 6.5) + 1` tokens for `samples` of audio.
fn token_budget(samples: usize) -> usize {
    // Truncation is the intended rounding; audio lengths are far below f64's exact integer range.
    (samples as f64 / SAMPLE_RATE * TOKENS_PER_SECOND) as usize + 1
}

impl CacheLayout {
    /// Every `past_key_values.*` input of `decoder`, each with its `present.*` output, split into self- and
    /// cross-attention; the empty cache shape from the inputs' fixed dimensions (heads, head size).
    fn of(decoder: &Session, path: &Path) -> Result<CacheLayout, MoonshineError> {
        let mut layout = CacheLayout { decoder: Vec::new(), encoder: Vec::new(), empty_shape: [1, 0, 0, 0] };
        for input in decoder.inputs() {
            let Some(suffix) = input.name().strip_prefix(PAST_PREFIX) else { continue };
            let present = format!("{PRESENT_PREFIX}{suffix}");
            expect_names(decoder, path, &[], &[&present])?;
            let declared = input.dtype().tensor_shape().map(|shape| &shape[..]);
            let unfixed = || unexpected_model(path, format!("{} has no fixed number of heads and size", input.name()));
            layout.empty_shape = empty_cache_shape(declared).ok_or_else(unfixed)?;
            let group = if suffix.contains(".encoder.") { &mut layout.encoder } else { &mut layout.decoder };
            group.push(CacheName { past: input.name().to_owned(), present });
        }
        if layout.decoder.is_empty() || layout.encoder.is_empty() {
            return Err(unexpected_model(path, "no past_key_values.*.decoder/encoder.* inputs".to_owned()));
        }
        Ok(layout)
    }
}

/// `[1, heads, 0, size]` from a cache input's declared shape `[batch, heads, positions, size]`.
fn empty_cache_shape(shape: Option<&[i64]>) -> Option<[i64; 4]> {
    match shape? {
        &[_, heads, _, size] if heads > 0 && size > 0 => Some([1, heads, 0, size]),
        _ => None,
    }
}

/// The process's one ONNX Runtime environment, shared with every other engine (the Piper voice).
fn environment(library: &Path) -> Result<Environment, MoonshineError> {
    agentline_onnx::environment(library)
        .map_err(|e| MoonshineError::LoadLibrary { path: library.to_path_buf(), message: e.message })
}

/// A session for the model at `path`, with `options.threads` threads inside each operator and none between
/// operators (sequential execution).
fn session(environment: &Environment, path: &Path, options: Options) -> Result<Session, MoonshineError> {
    let model_error = |e: ort::Error| MoonshineError::ModelLoad { path: path.to_path_buf(), message: e.to_string() };
    Session::builder(environment)
        .map_err(model_error)?
        .with_intra_threads(options.threads.get())
        .map_err(|e| model_error(e.into()))?
        .commit_from_file(path)
        .map_err(model_error)
}

/// The decoder's session: from the folded copy when it can be made and loaded, else from the `.ort` file (with
/// the reason).
fn decoder_session(
    environment: &Environment,
    original: &Path,
    options: Options,
) -> Result<(Session, Option<String>), MoonshineError> {
    let folded = crate::fold::folded_decoder(environment, original)
        .and_then(|path| session(environment, &path, options).map_err(|err| err.to_string()));
    match folded {
        Ok(decoder) => Ok((decoder, None)),
        Err(why) => Ok((session(environment, original, options)?, Some(why))),
    }
}

/// Checks that `session` has the named inputs and outputs.
fn expect_names(session: &Session, path: &Path, inputs: &[&str], outputs: &[&str]) -> Result<(), MoonshineError> {
    let has = |outlets: &[ort::value::Outlet], name: &str| outlets.iter().any(|outlet| outlet.name() == name);
    let missing_input = inputs.iter().find(|name| !has(session.inputs(), name));
    let missing_output = outputs.iter().find(|name| !has(session.outputs(), name));
    match (missing_input, missing_output) {
        (Some(name), _) => Err(unexpected_model(path, format!("no input {name}"))),
        (_, Some(name)) => Err(unexpected_model(path, format!("no output {name}"))),
        (None, None) => Ok(()),
    }
}

fn unexpected_model(path: &Path, message: String) -> MoonshineError {
    MoonshineError::ModelLoad { path: path.to_path_buf(), message: format!("not Moonshine base-en's graph: {message}") }
}

fn run_error(e: ort::Error) -> MoonshineError {
    MoonshineError::Transcribe { message: e.to_string() }
}

fn missing_output(name: &str) -> MoonshineError {
    MoonshineError::Transcribe { message: format!("the model returned no {name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_budget_grows_with_the_audio() {
        assert_eq!(token_budget(0), 1);
        assert_eq!(token_budget(16_000), 7);
        assert_eq!(token_budget(4 * 16_000), 27);
        assert_eq!(token_budget(20 * 16_000), 131);
    }

    #[test]
    fn the_empty_cache_takes_heads_and_size_from_the_declared_shape() {
        assert_eq!(empty_cache_shape(Some(&[-1, 8, -1, 52])), Some([1, 8, 0, 52]));
        assert_eq!(empty_cache_shape(Some(&[-1, -1, -1, 52])), None);
        assert_eq!(empty_cache_shape(Some(&[8, 52])), None);
        assert_eq!(empty_cache_shape(None), None);
    }
}
