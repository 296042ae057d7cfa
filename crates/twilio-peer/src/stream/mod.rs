//! Media Streams with Twilio as the WebSocket client: opening the socket (signed like Twilio signs
//! it), and the handle tests use to watch and steer a running stream.

mod log;
mod messages;
mod playback;
mod session;

pub use log::{MarkEcho, Received, StreamEnd, StreamLog};
pub use messages::StreamIdentity;

use crate::script::CallerScript;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// How long the WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the `wait_*` helpers look again.
const POLL: Duration = Duration::from_millis(5);

/// A running (or finished) media stream.
#[derive(Clone)]
pub struct MediaStream {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
}

/// What the stream task and its handles share.
struct Shared {
    log: Mutex<StreamLog>,
    ended: watch::Sender<Option<StreamEnd>>,
}

/// Asks the stream task to end the stream.
enum Command {
    /// The caller hangs up.
    HangUp,
    /// Twilio ends the call.
    EndCall,
}

/// The server did not accept the WebSocket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRefused {
    /// The HTTP status of the refused upgrade; 0 when there was no HTTP answer at all.
    pub status: u16,
    pub reason: String,
}

impl fmt::Display for StreamRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebSocket refused (HTTP {}): {}", self.status, self.reason)
    }
}

impl std::error::Error for StreamRefused {}

impl MediaStream {
    /// A snapshot of the stream's log.
    pub fn log(&self) -> StreamLog {
        crate::lock(&self.shared.log).clone()
    }

    pub fn stream_sid(&self) -> String {
        crate::lock(&self.shared.log).stream_sid.clone()
    }

    /// How the stream ended, once it has.
    pub fn ended(&self) -> Option<StreamEnd> {
        self.shared.ended.borrow().clone()
    }

    /// Waits up to `timeout` for the stream to end.
    pub async fn wait_ended(&self, timeout: Duration) -> Option<StreamEnd> {
        let mut ended = self.shared.ended.subscribe();
        let result = tokio::time::timeout(timeout, ended.wait_for(Option::is_some)).await;
        result.ok().and_then(|ended| ended.ok().and_then(|end| end.clone()))
    }

    /// Waits for the stream to end, however long it takes.
    pub(crate) async fn until_ended(&self) -> StreamEnd {
        let mut ended = self.shared.ended.subscribe();
        loop {
            if let Some(end) = ended.borrow_and_update().clone() {
                return end;
            }
            if ended.changed().await.is_err() {
                // The stream task is gone without saying how it ended.
                return StreamEnd::ConnectionLost("the stream task stopped".into());
            }
        }
    }

    /// Waits up to `timeout` for `ready` to hold of the log; whether it did.
    pub async fn wait_until(&self, timeout: Duration, mut ready: impl FnMut(&StreamLog) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if ready(&crate::lock(&self.shared.log)) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The caller hangs up now: `stop`, close, and the call completes.
    pub fn hang_up(&self) {
        let _ = self.commands.send(Command::HangUp);
    }

    /// Twilio ends the call (REST `Status=completed`, `TimeLimit`).
    pub(crate) fn end_call(&self) {
        let _ = self.commands.send(Command::EndCall);
    }
}

impl fmt::Debug for MediaStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = crate::lock(&self.shared.log);
        f.debug_struct("MediaStream")
            .field("url", &log.url)
            .field("stream_sid", &log.stream_sid)
            .finish_non_exhaustive()
    }
}

/// Opens a media stream to `url` as Twilio would, for a made-up call, with `signature` as its
/// `X-Twilio-Signature` (none: no header), so tests can see a server refuse bad upgrades.
pub async fn connect_stream(
    url: &str,
    signature: Option<String>,
    script: CallerScript,
) -> Result<MediaStream, StreamRefused> {
    connect_stream_as(url, signature, StreamIdentity::random(), script).await
}

/// Opens a media stream to `url` for the call `identity` names.
pub async fn connect_stream_as(
    url: &str,
    signature: Option<String>,
    identity: StreamIdentity,
    script: CallerScript,
) -> Result<MediaStream, StreamRefused> {
    let mut request = url.into_client_request().map_err(|e| refused(0, format!("bad stream URL `{url}`: {e}")))?;
    let headers = request.headers_mut();
    headers.insert("User-Agent", HeaderValue::from_static("Twilio.TmeWs/1.0"));
    if let Some(signature) = signature {
        let value = HeaderValue::from_str(&signature).map_err(|e| refused(0, format!("bad signature header: {e}")))?;
        headers.insert("X-Twilio-Signature", value);
    }
    // Nagle off: 20 ms frames must leave when written, not wait on the previous one's ACK.
    let connecting = tokio_tungstenite::connect_async_with_config(request, None, true);
    let socket = match tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting).await {
        Err(_) => return Err(refused(0, "the WebSocket handshake timed out")),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            return Err(refused(response.status().as_u16(), body.into_owned()));
        }
        Ok(Err(error)) => return Err(refused(0, error.to_string())),
        Ok(Ok((socket, _response))) => socket,
    };
    Ok(spawn(socket, url, identity, script))
}

/// Starts the stream task on an open socket.
fn spawn(socket: session::Socket, url: &str, identity: StreamIdentity, script: CallerScript) -> MediaStream {
    let stream_sid = crate::sid::new_sid("MZ");
    let log = StreamLog {
        url: url.to_owned(),
        stream_sid: stream_sid.clone(),
        call_sid: identity.call_sid.clone(),
        ..StreamLog::default()
    };
    let shared = Arc::new(Shared { log: Mutex::new(log), ended: watch::channel(None).0 });
    let (commands, receiver) = mpsc::unbounded_channel();
    let setup = session::Setup { identity, stream_sid, script };
    tokio::spawn(session::run(socket, setup, Arc::clone(&shared), receiver));
    MediaStream { shared, commands }
}

fn refused(status: u16, reason: impl Into<String>) -> StreamRefused {
    StreamRefused { status, reason: reason.into() }
}
