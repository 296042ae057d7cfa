//! Every call the stand-in has seen, as tests read it: what agentline asked for, the statuses the
//! call went through, the callbacks sent and how agentline answered them, and its media stream.

use crate::stream::{MediaStream, StreamRefused};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;
use tokio::sync::mpsc;

/// Final call statuses: the call is over.
pub(crate) const FINAL_STATUSES: [&str; 5] = ["completed", "busy", "no-answer", "failed", "canceled"];

/// One call.
#[derive(Clone, Debug)]
pub struct CallSnapshot {
    /// `CA` + 32 hex digits.
    pub sid: String,
    /// `outbound-api` (created through the REST API) or `inbound`.
    pub direction: String,
    pub from: String,
    pub to: String,
    /// The create request's form parameters as received, repeats included (for an inbound call,
    /// the voice webhook's).
    pub params: Vec<(String, String)>,
    /// The current status (`queued`, `initiated`, `ringing`, `in-progress`, or a final one).
    pub status: String,
    /// Every status the call has had, in order.
    pub status_history: Vec<String>,
    /// Status callbacks sent, in order, with agentline's answers.
    pub callbacks: Vec<CallbackRecord>,
    /// The TwiML the call ran: the `Twiml` parameter, fetched from `Url`, or the voice webhook's.
    pub twiml: Option<String>,
    /// TwiML a REST update redirected the live call to (a transfer's `<Dial>`), in order.
    pub redirects: Vec<String>,
    /// What the `<Dial><Number url>` of a redirect answered: the TwiML played to the person
    /// dialled before the caller was connected (a warm transfer's whisper).
    pub whispers: Vec<String>,
    /// The media stream `<Connect><Stream>` opened.
    pub stream: Option<MediaStream>,
    /// Why the stream could not be opened.
    pub stream_refused: Option<StreamRefused>,
    pub created_at: SystemTime,
    pub answered_at: Option<SystemTime>,
    pub ended_at: Option<SystemTime>,
    /// Talk time in whole seconds (rounded; at least 1 once answered), once the call has ended.
    pub duration_secs: Option<u64>,
    /// The call is over and every status callback has been answered (or given up on).
    pub finished: bool,
    /// What Twilio's debugger would report: unreachable URLs, bad TwiML, refused streams…
    pub notes: Vec<String>,
}

/// A status callback sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackRecord {
    /// `initiated`, `ringing`, `answered` or `completed` (the final status, whichever it is).
    pub event: String,
    pub method: String,
    /// The URL requested (for `GET`, with the parameters in its query string).
    pub url: String,
    pub params: Vec<(String, String)>,
    pub signature: String,
    /// agentline's HTTP status; 0 when it could not be reached.
    pub status: u16,
    pub body: String,
    pub error: Option<String>,
}

fn find<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
}

impl CallSnapshot {
    pub(crate) fn new(sid: String, direction: &str, from: &str, to: &str, params: Vec<(String, String)>) -> Self {
        Self {
            sid,
            direction: direction.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            params,
            status: String::new(),
            status_history: Vec::new(),
            callbacks: Vec::new(),
            twiml: None,
            redirects: Vec::new(),
            whispers: Vec::new(),
            stream: None,
            stream_refused: None,
            created_at: SystemTime::now(),
            answered_at: None,
            ended_at: None,
            duration_secs: None,
            finished: false,
            notes: Vec::new(),
        }
    }

    /// The first parameter of the create request named `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }

    /// Every value of the parameter `name`, in order (`StatusCallbackEvent` may repeat).
    pub fn params_named(&self, name: &str) -> Vec<&str> {
        self.params.iter().filter(|(n, _)| n == name).map(|(_, value)| value.as_str()).collect()
    }

    /// Whether the call has reached a final status.
    pub fn is_over(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }

    /// The `CallStatus` of each callback, in order.
    pub fn callback_statuses(&self) -> Vec<&str> {
        self.callbacks.iter().filter_map(|callback| callback.param("CallStatus")).collect()
    }
}

impl CallbackRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }
}

/// What agentline asked of a running call through `POST …/Calls/{sid}.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Requested {
    /// `Status=completed`: hang up, whatever the call's state.
    Completed,
    /// `Status=canceled`: hang up a call that is not yet answered.
    Canceled,
    /// `Twiml=…` on a live call: stop what it runs (its stream) and run this instead.
    Redirect(String),
}

/// An update for a call's task; `done` answers once it has taken effect.
pub(crate) struct Update {
    pub(crate) requested: Requested,
    pub(crate) done: tokio::sync::oneshot::Sender<()>,
}

/// The calls, and how to reach each one's task.
#[derive(Default)]
pub(crate) struct Registry {
    calls: Mutex<Vec<CallSnapshot>>,
    updates: Mutex<HashMap<String, mpsc::UnboundedSender<Update>>>,
}

impl Registry {
    pub(crate) fn insert(&self, call: CallSnapshot, updates: mpsc::UnboundedSender<Update>) {
        crate::lock(&self.updates).insert(call.sid.clone(), updates);
        crate::lock(&self.calls).push(call);
    }

    pub(crate) fn all(&self) -> Vec<CallSnapshot> {
        crate::lock(&self.calls).clone()
    }

    pub(crate) fn get(&self, sid: &str) -> Option<CallSnapshot> {
        crate::lock(&self.calls).iter().find(|call| call.sid == sid).cloned()
    }

    /// Changes the call `sid`, if there is one.
    pub(crate) fn update<R>(&self, sid: &str, change: impl FnOnce(&mut CallSnapshot) -> R) -> Option<R> {
        crate::lock(&self.calls).iter_mut().find(|call| call.sid == sid).map(change)
    }

    pub(crate) fn set_status(&self, sid: &str, status: &str) {
        self.update(sid, |call| {
            call.status = status.to_owned();
            call.status_history.push(status.to_owned());
        });
    }

    pub(crate) fn note(&self, sid: &str, note: String) {
        tracing::debug!(call = sid, "{note}");
        self.update(sid, |call| call.notes.push(note));
    }

    /// The channel to the call's task; none once the task has finished.
    pub(crate) fn updates(&self, sid: &str) -> Option<mpsc::UnboundedSender<Update>> {
        crate::lock(&self.updates).get(sid).filter(|sender| !sender.is_closed()).cloned()
    }
}
