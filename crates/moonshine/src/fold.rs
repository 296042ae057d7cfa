//! The decoder with its weights folded to fp32: about three times cheaper per token than the `.ort` file.
//!
//! The wheel's `decoder_model_merged.ort` keeps 81 weight tensors in int8 and dequantises them (Cast → Mul →
//! Add) at every token, the 32,768 × 416 output head included; ONNX Runtime does not constant-fold ORT-format
//! models at load. So the first load derives a folded copy once, beside the original, in three steps, all with
//! the ONNX Runtime already loaded (no Python, nothing fetched):
//!
//! 1. load the `.ort` at the basic optimisation level and have ONNX Runtime save it as `.onnx`;
//! 2. name the `If` branches it saved unnamed (`subgraph_names.rs`), or it refuses its own file;
//! 3. load that at the basic level, which folds the dequantisation into fp32 weights, and save the result.
//!
//! Basic-level graphs hold only standard ONNX operators (no CPU-specific kernels), so the file is as portable
//! as the original. It is written to a temporary name and renamed, so a crash or two processes at once never
//! leave a half file under the final name. When the directory is read-only, or any step fails, the caller
//! keeps the `.ort` file: slower, same text.

use std::path::{Path, PathBuf};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

/// The folded decoder's file name, next to `decoder_model_merged.ort`.
pub(crate) const FOLDED_DECODER: &str = "decoder_model_merged.folded.onnx";

/// The folded decoder for the `.ort` decoder at `original`: the existing file, or one derived now (several
/// seconds, once per installation). An error says why there is none.
pub(crate) fn folded_decoder(environment: &Environment, original: &Path) -> Result<PathBuf, String> {
    let folded = original.with_file_name(FOLDED_DECODER);
    if folded.is_file() {
        return Ok(folded);
    }
    let scratch = tempfile::Builder::new()
        .prefix(".folding-")
        .tempdir_in(original.parent().unwrap_or(Path::new(".")))
        .map_err(|err| format!("cannot write next to {}: {err}", original.display()))?;
    let converted = scratch.path().join("converted.onnx");
    save_basic(environment, original, &converted)?;
    let named = scratch.path().join("named.onnx");
    let bytes = std::fs::read(&converted).map_err(|err| err.to_string())?;
    let fixed = crate::subgraph_names::name_subgraphs(&bytes).ok_or("ONNX Runtime wrote a malformed model")?;
    std::fs::write(&named, fixed).map_err(|err| err.to_string())?;
    let result = scratch.path().join(FOLDED_DECODER);
    save_basic(environment, &named, &result)?;
    std::fs::rename(&result, &folded).map_err(|err| err.to_string())?;
    Ok(folded)
}

/// Loads `from` at the basic optimisation level and saves the optimised graph to `to`.
fn save_basic(environment: &Environment, from: &Path, to: &Path) -> Result<(), String> {
    let fail = |err: ort::Error| format!("cannot convert {}: {err}", from.display());
    Session::builder(environment)
        .map_err(fail)?
        .with_optimization_level(GraphOptimizationLevel::Level1)
        .map_err(|err| fail(err.into()))?
        .with_optimized_model_path(to)
        .map_err(|err| fail(err.into()))?
        .commit_from_file(from)
        .map(drop)
        .map_err(fail)
}
