//! Everything a media stream saw and did, for tests to inspect while the call runs and after.
//! Times are measured from the stream's start (when `start` went out).

use std::time::Duration;

/// A record of one media stream.
#[derive(Clone, Debug, Default)]
pub struct StreamLog {
    pub url: String,
    pub stream_sid: String,
    pub call_sid: String,
    /// What the caller heard, 8 kHz PCM, one 160-sample frame per 20 ms since the start
    /// (silence where nothing was queued): aligned sample for sample with `caller_sent`.
    pub played: Vec<i16>,
    /// Bytes of agent audio played (not counting silence padding).
    pub played_audio_bytes: usize,
    /// When agent audio first played.
    pub first_agent_audio_at: Option<Duration>,
    /// What the caller sent, 8 kHz PCM as the server decodes it (after the μ-law round trip).
    pub caller_sent: Vec<i16>,
    /// Every message the server sent, in order.
    pub received: Vec<Received>,
    /// Marks echoed back to the server.
    pub marks_echoed: Vec<MarkEcho>,
    /// When `clear` messages arrived.
    pub clears: Vec<Duration>,
    /// Keys the caller pressed.
    pub dtmf_sent: Vec<(char, Duration)>,
    /// μ-law bytes the server sent in `media` messages.
    pub media_bytes_received: usize,
    /// Queued bytes a `clear` dropped before they played.
    pub bytes_dropped_by_clear: usize,
    /// Server messages that were not valid Media Streams messages for this stream.
    pub malformed: usize,
    /// Indexes of the script's wait steps that gave up.
    pub script_timeouts: Vec<usize>,
    /// When the script ran out of steps.
    pub script_finished_at: Option<Duration>,
    /// How and when the stream ended.
    pub ended: Option<(StreamEnd, Duration)>,
}

/// A message from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub at: Duration,
    /// The message's `event` (`media`, `mark`, `clear`), or empty when it has none.
    pub event: String,
    pub text: String,
    /// What was wrong with it, when it was malformed.
    pub error: Option<String>,
}

/// A mark echoed to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkEcho {
    pub name: String,
    pub at: Duration,
    /// Echoed because a `clear` dropped its audio, not because the audio played.
    pub cleared: bool,
}

/// Why a media stream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// The caller's script hung up (or a test called [`crate::MediaStream::hang_up`]).
    CallerHungUp,
    /// The call ended from Twilio's side: REST `Status=completed` or `TimeLimit`.
    CallEnded,
    /// The server closed the WebSocket.
    ServerClosed,
    /// The connection failed.
    ConnectionLost(String),
}

impl StreamLog {
    /// How many milliseconds of agent audio played.
    pub fn played_audio_ms(&self) -> u64 {
        self.played_audio_bytes as u64 / 8
    }

    /// The server's messages with this `event`.
    pub fn received_events(&self, event: &str) -> impl Iterator<Item = &Received> {
        self.received.iter().filter(move |message| message.event == event)
    }
}
