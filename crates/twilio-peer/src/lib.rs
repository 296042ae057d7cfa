//! A local stand-in for Twilio, for agentline's integration tests: it plays Twilio's part over
//! Twilio's real wire protocols, on loopback.
//!
//! - [`FakeTwilio`]: the REST API for calls (`Calls.json`, call updates), signed status callbacks,
//!   the voice webhook of inbound calls, and running each answered call's TwiML.
//! - [`MediaStream`]: Media Streams with Twilio as the WebSocket client: `connected`, `start`,
//!   20 ms μ-law `media`, `dtmf`, `stop`, and a playback simulation of what the server sends
//!   (`media` queued and played in real time, `mark` echoed once played, `clear`).
//! - [`CallerScript`]: what the person on the phone says and does.
//! - [`sign`]: `X-Twilio-Signature`, computed independently of agentline's own code.
//!
//! ```no_run
//! # async fn example() {
//! use agentline_twilio_peer::{CallerScript, FakeTwilio, Outcome};
//! use std::time::Duration;
//!
//! let twilio = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "auth-token").await;
//! // Point agentline's `twilio.api_base_url` at `twilio.base_url()`, then script the callee:
//! let hello = vec![0_i16; 8000]; // 1 s of 8 kHz PCM
//! let script = CallerScript::silent()
//!     .wait_for_agent_audio(Duration::from_secs(5))
//!     .wait_for_agent_silence(Duration::from_millis(700), Duration::from_secs(10))
//!     .say(hello)
//!     .hangup();
//! twilio.script("+15551234567", Outcome::Answer(script));
//! // … have agentline place a call to +15551234567, then:
//! let call = twilio.wait_for_call("+15551234567", Duration::from_secs(5)).await.expect("a call");
//! let ended = twilio.wait_for_end(&call.sid, Duration::from_secs(30)).await.expect("it ends");
//! let log = ended.stream.expect("a media stream").log();
//! assert!(log.played_audio_ms() > 0);
//! # }
//! ```

mod api;
mod api_error;
mod callbacks;
mod calls;
mod clock;
mod fake;
mod inbound;
mod lifecycle;
mod resource;
mod script;
mod sid;
mod signature;
mod state;
mod stream;
mod twiml;
mod webhook;

pub use calls::{CallSnapshot, CallbackRecord};
pub use fake::FakeTwilio;
pub use inbound::IncomingCall;
pub use script::{CallerScript, Step};
pub use signature::sign;
pub use state::{ApiRequest, Outcome};
pub use stream::{
    MarkEcho, MediaStream, Received, StreamEnd, StreamIdentity, StreamLog, StreamRefused, connect_stream,
    connect_stream_as,
};
pub use twiml::{StreamTarget, Twiml, TwimlError, parse as parse_twiml};
pub use webhook::{form_encode, post_form};

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`; a panic elsewhere while it was held leaves plain data, still fine to read.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
