//! Where Twilio's requests meet the calls they are about: status callbacks and media streams
//! arrive at the HTTP server, and are handed to the task running the call they name.

use crate::media::stream::StreamSocket;
use agentline_domain::CallId;
use agentline_domain::twilio::TwilioStatus;
use agentline_media::twilio_stream::Start;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// What Twilio sent about a call.
pub enum TwilioInput {
    /// A status callback.
    Status { status: TwilioStatus, detail: String },
    /// The call's media stream opened and said who it is.
    Stream(StreamSocket, Start),
}

struct Entry {
    sender: mpsc::Sender<TwilioInput>,
    /// Held until the call's task takes it.
    receiver: Option<mpsc::Receiver<TwilioInput>>,
}

impl Entry {
    fn new() -> Self {
        let (sender, receiver) = mpsc::channel(16);
        Self { sender, receiver: Some(receiver) }
    }
}

/// The Twilio calls this node runs, by call id.
#[derive(Default)]
pub struct TwilioHub {
    calls: Mutex<HashMap<CallId, Entry>>,
}

impl std::fmt::Debug for TwilioHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioHub").field("calls", &self.calls().len()).finish()
    }
}

impl TwilioHub {
    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Entry>> {
        // The map holds only channel ends; a panic while holding the lock cannot leave it inconsistent.
        self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts accepting Twilio's news about `call` (before Twilio can send any).
    pub(crate) fn open(&self, call: &CallId) {
        self.calls().entry(call.clone()).or_insert_with(Entry::new);
    }

    /// The news about `call`, for the task that runs it (opened if it was not).
    pub(crate) fn take(&self, call: &CallId) -> mpsc::Receiver<TwilioInput> {
        let mut calls = self.calls();
        let entry = calls.entry(call.clone()).or_insert_with(Entry::new);
        entry.receiver.take().unwrap_or_else(|| {
            // Taken before: the new receiver replaces the old one, and only it hears from now on.
            let (sender, receiver) = mpsc::channel(16);
            entry.sender = sender;
            receiver
        })
    }

    /// Hands `input` to the call's task; false when the call runs nowhere here (any more).
    pub async fn deliver(&self, call: &CallId, input: TwilioInput) -> bool {
        let sender = self.calls().get(call).map(|entry| entry.sender.clone());
        match sender {
            Some(sender) => sender.send(input).await.is_ok(),
            None => false,
        }
    }

    /// The call is over: news about it is no longer taken.
    pub(crate) fn close(&self, call: &CallId) {
        self.calls().remove(call);
    }
}

/// How long a new stream has to say `start`.
const START_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads a new stream's `connected` and `start`; none if it says something else first, or
/// nothing in time.
pub async fn await_start(socket: &mut StreamSocket) -> Option<Start> {
    use agentline_media::twilio_stream::{self, Inbound};
    use futures_util::StreamExt;
    let read = async {
        while let Some(message) = socket.next().await {
            let Ok(text) = std::str::from_utf8(&message) else { return None };
            match twilio_stream::parse(text) {
                Ok(Inbound::Connected) => {}
                Ok(Inbound::Start(start)) => return Some(start),
                _ => return None,
            }
        }
        None
    };
    tokio::time::timeout(START_TIMEOUT, read).await.ok().flatten()
}
