//! What every media session does in each 20 ms slot, whatever carries the audio (RTP, a Twilio
//! Media Stream): paces the agent's queued speech on an absolute schedule, records both sides, and
//! reports the slot to whoever listens to the call.

use super::stats::MediaCounters;
use super::{FRAME, FRAME_TIME, MediaPlan, Recorder, Tick};
use agentline_media::playout::{Pacer, PlayedUtterance, PlayoutQueue, UtteranceId};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// One session's clock, outgoing queue, recording and listener.
pub(super) struct Slots {
    playout: PlayoutQueue,
    pacer: Pacer,
    /// The pacer's clock starts here; moved earlier when speech starts after silence so its
    /// first frame goes out at once instead of waiting up to a frame for the next slot.
    origin: Instant,
    recorder: Option<Recorder>,
    tap: Option<mpsc::Sender<Tick>>,
    /// Slots played so far (the recording's frame count).
    played: u64,
    /// The utterance of the last audio frame taken, to notice where the next one starts.
    playing: Option<UtteranceId>,
    pub(super) counters: MediaCounters,
    /// When the call was answered: from then on, the far end's silence is watched.
    answered_at: Option<Instant>,
    last_received: Option<Instant>,
    timed_out: bool,
    /// An answered call with no audio from the far end for this long has timed out.
    timeout: std::time::Duration,
}

/// The agent's side of one slot.
pub(super) struct AgentFrame {
    pub pcm: [i16; FRAME],
    /// The utterance the frame belongs to; none for silence.
    pub utterance: Option<UtteranceId>,
    /// The utterance whose first frame this is.
    pub started: Option<UtteranceId>,
}

impl Slots {
    pub(super) fn new(plan: &MediaPlan) -> Self {
        let recorder = plan.recording.as_deref().and_then(|path| match Recorder::create(path) {
            Ok(recorder) => Some(recorder),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "cannot record this call");
                None
            }
        });
        Self {
            playout: PlayoutQueue::new(),
            pacer: Pacer::new(FRAME_TIME),
            origin: Instant::now(),
            recorder,
            tap: None,
            played: 0,
            playing: None,
            counters: MediaCounters::default(),
            answered_at: None,
            last_received: None,
            timed_out: false,
            timeout: plan.rtp_timeout,
        }
    }

    /// The call was answered: the far end's silence counts from now.
    pub(super) fn answered(&mut self) {
        self.answered_at = Some(Instant::now());
    }

    /// Audio (or an event) arrived from the far end.
    pub(super) fn received(&mut self) {
        self.counters.packets_received += 1;
        self.last_received = Some(Instant::now());
    }

    /// The seconds of silence, once, when an answered call has heard nothing for the timeout.
    pub(super) fn timed_out(&mut self) -> Option<u64> {
        let answered = self.answered_at?;
        let heard = self.last_received.map_or(answered, |t| t.max(answered));
        if self.timed_out || heard.elapsed() < self.timeout {
            return None;
        }
        self.timed_out = true;
        Some(self.timeout.as_secs())
    }

    /// When the next slot is due.
    pub(super) fn deadline(&self) -> Instant {
        self.origin + self.pacer.deadline()
    }

    /// The slot due at `deadline` woke us: how many slots to play now (more than one after a stall).
    pub(super) fn due(&mut self, deadline: Instant) -> u32 {
        let now = Instant::now();
        self.counters.sent_late_by(u64::try_from((now - deadline).as_micros()).unwrap_or(u64::MAX));
        self.pacer.tick(now - self.origin)
    }

    /// Queues speech. When nothing was playing (`idle`: the transport sends nothing else either),
    /// the next slot is moved to now (a talkspurt may start off the previous rhythm), which takes
    /// up to 20 ms off every reply.
    pub(super) fn play(&mut self, id: UtteranceId, pcm: &[i16], idle: bool) {
        if idle && self.playout.is_empty() {
            let now = Instant::now();
            let due = self.deadline();
            if due > now {
                self.origin -= due - now;
            }
        }
        self.playout.enqueue(id, pcm);
    }

    /// Takes this slot's frame of queued speech, or silence.
    pub(super) fn next_agent_frame(&mut self) -> AgentFrame {
        let next = self.playout.next_frame();
        let utterance = next.map(|(id, _)| id);
        let started = utterance.filter(|id| self.playing != Some(*id));
        self.playing = utterance;
        AgentFrame { pcm: next.map_or([0; FRAME], |(_, frame)| frame), utterance, started }
    }

    /// Drops all queued speech; reports how much of each utterance was taken.
    pub(super) fn flush(&mut self) -> Vec<PlayedUtterance> {
        self.playing = None;
        self.playout.flush()
    }

    /// Utterances whose last frame was taken since the last call.
    pub(super) fn drain_sent(&mut self) -> Vec<PlayedUtterance> {
        self.playout.drain_finished()
    }

    pub(super) fn set_tap(&mut self, tap: mpsc::Sender<Tick>) {
        self.tap = Some(tap);
    }

    /// Ends the slot: records both sides and tells the listener, if any, what it carried. A
    /// listener that lags loses slots, never the media.
    pub(super) fn close(
        &mut self,
        heard: [i16; FRAME],
        agent: &AgentFrame,
        sent_audio: bool,
        finished: Vec<PlayedUtterance>,
    ) {
        let frame = self.played;
        self.played += 1;
        if let Some(recorder) = &mut self.recorder
            && let Err(err) = recorder.write(&heard, &agent.pcm)
        {
            tracing::warn!(error = %err, "recording stopped");
            self.recorder = None;
        }
        let Some(tap) = &self.tap else { return };
        let tick = Tick { at: Instant::now(), frame, heard, sent_audio, started: agent.started, finished };
        if let Err(mpsc::error::TrySendError::Closed(_)) = tap.try_send(tick) {
            self.tap = None;
        }
    }

    /// Slots the pacer had to skip after stalls.
    pub(super) fn skipped(&self) -> u64 {
        self.pacer.skipped()
    }

    /// Completes the recording on disk.
    pub(super) fn finish(&mut self) {
        if let Some(recorder) = self.recorder.take() {
            match recorder.finish() {
                Ok(path) => tracing::debug!(path = %path.display(), "recording complete"),
                Err(err) => tracing::warn!(error = %err, "could not complete the recording"),
            }
        }
    }
}
