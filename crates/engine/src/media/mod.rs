//! A call's media: the RTP session that paces our audio out and takes the callee's in, its
//! recording, and the handle the call's control uses to steer it. The protocol rules live in
//! the sans-IO `agentline-media` crate; this is the thin async driver around a UDP socket.

mod recorder;
mod session;
mod slots;
mod stats;
pub mod stream;

pub(crate) use recorder::Recorder;
pub(crate) use session::start;
pub use stats::MediaStats;

use agentline_media::playout::{PlayedUtterance, UtteranceId};
use agentline_media::sdp::Negotiated;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;
/// One frame's duration.
pub const FRAME_TIME: Duration = Duration::from_millis(20);

/// What a call's media should do besides carrying audio.
#[derive(Clone, Debug)]
pub struct MediaPlan {
    /// Where to write the stereo recording (callee left, agent right); none = don't record.
    pub recording: Option<PathBuf>,
    /// An answered call with no RTP from the callee for this long ends.
    pub rtp_timeout: Duration,
    /// 20 ms frames the receive jitter buffer holds before playing.
    pub jitter_frames: usize,
}

/// What the media reports to the call's control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaEvent {
    /// A DTMF digit pressed by the callee (RFC 4733).
    Dtmf(char),
    /// No audio arrived for `secs` seconds on an answered call.
    Timeout { secs: u64 },
    /// The carrier closed the media (a Twilio stream's `stop`): the call is over at its end.
    Closed,
}

enum Command {
    Answered,
    Remote(Negotiated),
    Play(UtteranceId, Vec<i16>),
    Relay(UtteranceId, Vec<i16>),
    Flush(oneshot::Sender<Vec<PlayedUtterance>>),
    SendDtmf(String),
    Tap(mpsc::Sender<Tick>),
    Stop(oneshot::Sender<MediaStats>),
}

/// What one 20 ms slot carried, reported to whoever listens to the call (the conversation).
#[derive(Clone, Debug)]
pub struct Tick {
    /// When the slot was played.
    pub at: Instant,
    /// The slot's index since the session started: slot `n` is the recording's frame `n`, so
    /// `n × 20 ms` is its offset in the recording.
    pub frame: u64,
    /// The far end's audio in the slot (silence where nothing arrived).
    pub heard: [i16; FRAME],
    /// Whether our own queued audio went out in the slot (not silence or DTMF).
    pub sent_audio: bool,
    /// The utterance whose first frame went out in this slot.
    pub started: Option<UtteranceId>,
    /// Utterances that finished playing in this slot.
    pub finished: Vec<PlayedUtterance>,
}

impl Tick {
    /// The slot's offset from the start of the session (and of its recording).
    pub fn offset(&self) -> Duration {
        FRAME_TIME * u32::try_from(self.frame).unwrap_or(u32::MAX)
    }
}

/// The conversation's hold on a call's media: the frames as they are played, and control of
/// what we say.
pub struct MediaLink {
    pub control: MediaControl,
    pub ticks: mpsc::Receiver<Tick>,
}

/// Steers what a call's media says; cheap to clone. Unlike [`MediaHandle`], dropping it
/// leaves the session running.
#[derive(Clone)]
pub struct MediaControl {
    commands: mpsc::UnboundedSender<Command>,
}

impl MediaControl {
    /// Queues 8 kHz audio after what is already queued, as part of utterance `id`.
    pub fn play(&self, id: UtteranceId, pcm: Vec<i16>) {
        let _ = self.commands.send(Command::Play(id, pcm));
    }

    /// Queues another leg's audio, one frame at a time as it arrives (a bridge). Unlike `play`,
    /// it never moves the slot rhythm to start sooner: a frame arriving every 20 ms would
    /// otherwise pull every slot forward and send far more than 50 frames a second.
    pub fn relay(&self, id: UtteranceId, pcm: Vec<i16>) {
        let _ = self.commands.send(Command::Relay(id, pcm));
    }

    /// Drops everything queued, effective from the next slot; reports how much of each
    /// utterance went out.
    pub fn flush(&self) -> oneshot::Receiver<Vec<PlayedUtterance>> {
        let (done, report) = oneshot::channel();
        let _ = self.commands.send(Command::Flush(done));
        report
    }

    /// Sends DTMF digits as RFC 4733 events, after the audio queued before them.
    pub fn send_dtmf(&self, digits: String) {
        let _ = self.commands.send(Command::SendDtmf(digits));
    }
}

/// Steers a running media session. Dropping it stops the session.
pub struct MediaHandle {
    control: MediaControl,
}

impl MediaHandle {
    /// The call was answered: media timeouts start counting.
    pub fn answered(&self) {
        let _ = self.control.commands.send(Command::Answered);
    }

    /// The far end moved its media (a 200 after a 183 with other SDP).
    pub fn update_remote(&self, negotiated: Negotiated) {
        let _ = self.control.commands.send(Command::Remote(negotiated));
    }

    /// What the call's audio says (play, flush, DTMF).
    pub fn control(&self) -> &MediaControl {
        &self.control
    }

    /// Starts reporting every played slot (a bounded queue: slots the listener is too slow
    /// for are dropped, never the media).
    pub fn link(&self) -> MediaLink {
        let (tap, ticks) = mpsc::channel(100);
        let _ = self.control.commands.send(Command::Tap(tap));
        MediaLink { control: self.control.clone(), ticks }
    }

    /// Stops the session, waits until its recording is complete on disk, and returns its figures.
    pub async fn stop(self) -> Option<MediaStats> {
        let (done, finished) = oneshot::channel();
        self.control.commands.send(Command::Stop(done)).ok()?;
        finished.await.ok()
    }
}

/// The next event of a call's media, once it has media; never while it has none.
pub async fn next_event(events: Option<&mut mpsc::Receiver<MediaEvent>>) -> MediaEvent {
    match events {
        Some(events) => match events.recv().await {
            Some(event) => event,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Spawns a media session task: `run` gets the session's command inbox and where to report
/// events; the caller gets the handle that steers it and the events.
fn spawn_session<F>(
    run: impl FnOnce(mpsc::UnboundedReceiver<Command>, mpsc::Sender<MediaEvent>) -> F,
) -> (MediaHandle, mpsc::Receiver<MediaEvent>)
where
    F: Future<Output = ()> + Send + 'static,
{
    let (commands, inbox) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::channel(32);
    tokio::spawn(run(inbox, events_tx));
    (MediaHandle { control: MediaControl { commands } }, events)
}

/// What a call's media leaves behind: its quality figures and its finished recording. The
/// carrier hands it up with the leg's end; the supervisor stores it.
#[derive(Debug, Default)]
pub struct Remains {
    pub stats: Option<MediaStats>,
    /// Path, length and format of the recording, once it is complete on disk.
    pub recording: Option<serde_json::Value>,
}

/// Stops a call's media and waits until its recording is complete on disk.
pub async fn finish(handle: MediaHandle, recording: Option<&std::path::Path>) -> Remains {
    let stats = handle.stop().await;
    Remains { stats, recording: recording.and_then(recording_details) }
}

/// Path, length and format of a finished recording; none if it was not written.
fn recording_details(path: &std::path::Path) -> Option<serde_json::Value> {
    let reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    let duration_ms = u64::from(reader.duration()) * 1000 / u64::from(spec.sample_rate.max(1));
    Some(serde_json::json!({
        "path": path.display().to_string(),
        "duration_ms": duration_ms,
        "channels": spec.channels,
        "sample_rate": spec.sample_rate,
    }))
}
