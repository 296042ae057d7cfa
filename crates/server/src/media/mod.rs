//! A call's media: the RTP session that paces our audio out and takes the callee's in, its
//! recording, and the handle the call's control uses to steer it. The protocol rules live in
//! the sans-IO `agentline-media` crate; this is the thin async driver around a UDP socket.

mod recorder;
mod session;
mod stats;

pub(crate) use recorder::Recorder;
pub(crate) use session::start;
pub use stats::MediaStats;

use agentline_media::sdp::Negotiated;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What a call's media should do besides carrying audio.
#[derive(Clone, Debug)]
pub struct MediaPlan {
    /// Where to write the stereo recording (callee left, agent right); none = don't record.
    pub recording: Option<PathBuf>,
    /// Spoken once the call is answered (the agent's first message).
    pub greeting: Option<String>,
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
    /// No RTP arrived for `secs` seconds on an answered call.
    Timeout { secs: u64 },
}

enum Command {
    Answered,
    Remote(Negotiated),
    Play(Vec<i16>),
    SendDtmf(String),
    Stop(oneshot::Sender<MediaStats>),
}

/// Steers a running media session. Dropping it stops the session.
pub struct MediaHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl MediaHandle {
    /// The call was answered: media timeouts start counting, the greeting plays.
    pub fn answered(&self) {
        let _ = self.commands.send(Command::Answered);
    }

    /// The far end moved its media (a 200 after a 183 with other SDP).
    pub fn update_remote(&self, negotiated: Negotiated) {
        let _ = self.commands.send(Command::Remote(negotiated));
    }

    /// Queues 8 kHz audio to play after what is already queued.
    pub fn play(&self, pcm: Vec<i16>) {
        let _ = self.commands.send(Command::Play(pcm));
    }

    /// Sends DTMF digits as RFC 4733 events, after the audio queued before them.
    pub fn send_dtmf(&self, digits: String) {
        let _ = self.commands.send(Command::SendDtmf(digits));
    }

    /// Stops the session, waits until its recording is complete on disk, and returns its figures.
    pub async fn stop(self) -> Option<MediaStats> {
        let (done, finished) = oneshot::channel();
        self.commands.send(Command::Stop(done)).ok()?;
        finished.await.ok()
    }
}
