//! What the stand-in's parts share: the scripted [`Outcome`] of each number, the log of
//! [`ApiRequest`]s and [`Inner`], the account state behind the server, the call tasks and the
//! [`crate::FakeTwilio`] handle.
//!
//! It sits below all of them (the API, callbacks, inbound and call lifecycle modules import it,
//! and it imports none of them), so the facade in `fake.rs` can use them without a circle.

use crate::calls::Registry;
use crate::script::CallerScript;
use std::collections::HashMap;
use std::sync::Mutex;

/// How the phone at a number responds to a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Rings (about 200 ms), then answers; the caller then follows the script.
    Answer(CallerScript),
    /// Rings, then busy.
    Busy,
    /// Rings until the create request's `Timeout`, then `no-answer`.
    NoAnswer,
    /// Fails at once, without ringing, with this Twilio `ErrorCode`.
    Failed { error_code: u32 },
    /// The create request itself fails with this HTTP status and Twilio error.
    Reject { status: u16, code: u32, message: String },
}

/// A request the REST API received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    /// The HTTP status it was answered with.
    pub status: u16,
}

/// What the server, the call tasks and the handle share.
pub(crate) struct Inner {
    pub(crate) account_sid: String,
    pub(crate) auth_token: String,
    pub(crate) client: reqwest::Client,
    pub(crate) calls: Registry,
    pub(crate) scripts: Mutex<HashMap<String, Outcome>>,
    pub(crate) requests: Mutex<Vec<ApiRequest>>,
}

impl Inner {
    /// The scripted outcome for calls to `to`; unscripted numbers answer and say nothing.
    pub(crate) fn outcome_for(&self, to: &str) -> Outcome {
        crate::lock(&self.scripts).get(to).cloned().unwrap_or(Outcome::Answer(CallerScript::silent()))
    }
}
