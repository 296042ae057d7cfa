//! Post-call analysis: after a call completes, a model reads its transcript and writes the summary,
//! quality dimensions, data extracted against the user's schema, a pass/fail against the user's rubric and
//! the callee's sentiment, which reach the call and the `call.analyzed` event.
//!
//! The work is a durable job in the store (`agentline_store::analysis`), written with the call's end and
//! taken by [`AnalysisWorker`] under a lease, retried with backoff after passing failures. What one run
//! does is in `run`; what the model is asked in `prompt`; how its answer is checked in `parse`; which
//! model and key in `model`.

pub mod model;
pub mod parse;
pub mod prompt;
mod run;
mod worker;

pub use worker::AnalysisWorker;
