//! The conversation's decisions, free of IO: every function takes audio facts and the time as
//! arguments and returns what to do, so each rule is tested with scripted timelines.
//!
//! - [`vad`]: is this 20 ms frame of telephone audio speech?
//! - [`turn`]: whose turn is it — endpointing, barge-in, the greeting, silence reminders, a watchdog.
//! - [`amd`]: a person or an answering machine? (greeting length, the beep, a deadline).
//! - [`tone`]: is this frame a steady pure tone (a machine's beep)?
//! - [`endpoint`]: whether a transcript reads as a finished sentence (the turn may end sooner).
//! - [`persona`]: the sandbox callee, which takes turns by listening for the agent's silence.
//! - [`heard`]: what part of an interrupted agent sentence the caller actually heard.
//! - [`latency`]: per-turn latency figures and their percentiles.

pub mod amd;
pub mod endpoint;
pub mod heard;
pub mod latency;
pub mod persona;
pub mod tone;
pub mod turn;
pub mod vad;

/// Length of one telephone audio frame.
pub const FRAME: std::time::Duration = std::time::Duration::from_millis(20);
/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
