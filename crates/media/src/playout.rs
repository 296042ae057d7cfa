//! The agent's outgoing audio: a queue of utterances that can be flushed at once when the
//! caller barges in, and a pacer that says when each 20 ms frame is due.

use std::collections::VecDeque;
use std::time::Duration;

/// Samples per 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// Identifies one piece of agent speech (e.g. one TTS response), chosen by the caller.
pub type UtteranceId = u64;

/// How much of an utterance went out, reported when it finishes or is flushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayedUtterance {
    /// The utterance.
    pub id: UtteranceId,
    /// Samples handed out by [`PlayoutQueue::next_frame`] (padding not counted).
    pub sent_samples: usize,
    /// Samples enqueued for it.
    pub total_samples: usize,
    /// Whether every sample was sent (false when cut short by a flush).
    pub completed: bool,
}

/// Bookkeeping for one queued utterance; its samples sit contiguously in the shared buffer.
#[derive(Debug, Clone, Copy)]
struct Queued {
    id: UtteranceId,
    sent: usize,
    total: usize,
}

/// Outgoing 8 kHz mono audio, queued per utterance and released in 160-sample frames.
///
/// Every utterance is reported exactly once: by [`drain_finished`](Self::drain_finished) when
/// it played to the end, or by [`flush`](Self::flush).
#[derive(Debug, Clone, Default)]
pub struct PlayoutQueue {
    samples: VecDeque<i16>,
    queue: VecDeque<Queued>,
    finished: Vec<PlayedUtterance>,
}

impl PlayoutQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends samples to utterance `id`: extends it if it is the last one queued, otherwise
    /// queues it after the others. Empty input is ignored.
    pub fn enqueue(&mut self, id: UtteranceId, pcm: &[i16]) {
        if pcm.is_empty() {
            return;
        }
        self.samples.extend(pcm);
        match self.queue.back_mut() {
            Some(last) if last.id == id => last.total += pcm.len(),
            _ => self.queue.push_back(Queued { id, sent: 0, total: pcm.len() }),
        }
    }

    /// The next 20 ms frame and the utterance it belongs to; an utterance's last frame is
    /// padded with zeros so that frames never mix two utterances. `None` when empty.
    pub fn next_frame(&mut self) -> Option<(UtteranceId, [i16; FRAME_SAMPLES])> {
        let current = self.queue.front_mut()?;
        let count = (current.total - current.sent).min(FRAME_SAMPLES);
        let mut frame = [0i16; FRAME_SAMPLES];
        for (slot, sample) in frame.iter_mut().zip(self.samples.drain(..count)) {
            *slot = sample;
        }
        current.sent += count;
        let Queued { id, sent, total } = *current;
        if sent == total {
            self.queue.pop_front();
            self.finished.push(PlayedUtterance { id, sent_samples: sent, total_samples: total, completed: true });
        }
        Some((id, frame))
    }

    /// Drops everything queued (barge-in) and reports every utterance not yet reported:
    /// first those that had finished, then the cut ones with how much of each was sent.
    pub fn flush(&mut self) -> Vec<PlayedUtterance> {
        self.samples.clear();
        let cut = self.queue.drain(..).map(|queued| PlayedUtterance {
            id: queued.id,
            sent_samples: queued.sent,
            total_samples: queued.total,
            completed: false,
        });
        let mut report = std::mem::take(&mut self.finished);
        report.extend(cut);
        report
    }

    /// Utterances that played to the end since the last call.
    pub fn drain_finished(&mut self) -> Vec<PlayedUtterance> {
        std::mem::take(&mut self.finished)
    }

    /// Whether no audio is waiting to be sent.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Samples waiting to be sent, across all utterances.
    pub fn queued_samples(&self) -> usize {
        self.samples.len()
    }
}

/// Drift-free frame timing: frame `n` is due at exactly `origin + n * frame`, whatever the
/// lateness of earlier ticks, so scheduling jitter never accumulates.
///
/// Time comes in as a [`Duration`] since the caller's origin (e.g. `Instant::now() - start`),
/// which keeps this testable. After a stall of more than `max_burst` frames (a suspended
/// process, a blocked executor) the pacer sends at most `max_burst` frames and skips the rest:
/// the far end's jitter buffer would drop a long burst as overflow anyway, and catching up in
/// full would add the stall to the conversation's latency for good.
#[derive(Debug, Clone)]
pub struct Pacer {
    frame: Duration,
    next: u64,
    max_burst: u32,
    skipped: u64,
}

impl Pacer {
    /// Frames allowed in one catch-up burst by default (100 ms of 20 ms frames).
    pub const DEFAULT_MAX_BURST: u32 = 5;

    /// A pacer whose first frame is due at the origin; a zero `frame` is raised to 1 ns.
    pub fn new(frame: Duration) -> Self {
        Self { frame: frame.max(Duration::from_nanos(1)), next: 0, max_burst: Self::DEFAULT_MAX_BURST, skipped: 0 }
    }

    /// Sets how many overdue frames one tick may release before skipping (at least 1).
    pub fn with_max_burst(mut self, frames: u32) -> Self {
        self.max_burst = frames.max(1);
        self
    }

    /// When the next frame is due, relative to the origin.
    pub fn deadline(&self) -> Duration {
        self.frame_time(self.next)
    }

    /// How many frames are due at `now`; marks them as sent (or skipped, beyond `max_burst`).
    pub fn tick(&mut self, now: Duration) -> u32 {
        let elapsed_frames = now.as_nanos() / self.frame.as_nanos();
        let due = (elapsed_frames + 1).saturating_sub(u128::from(self.next));
        let due = u64::try_from(due).unwrap_or(u64::MAX);
        self.next = self.next.saturating_add(due);
        let sent = due.min(u64::from(self.max_burst));
        self.skipped = self.skipped.saturating_add(due - sent);
        sent as u32
    }

    /// Frames skipped so far because the caller fell too far behind.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Frames released or skipped so far (the index of the next frame).
    pub fn frames(&self) -> u64 {
        self.next
    }

    fn frame_time(&self, index: u64) -> Duration {
        let nanos = self.frame.as_nanos().saturating_mul(u128::from(index));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FRAME: Duration = Duration::from_millis(20);

    fn ramp(start: i16, len: usize) -> Vec<i16> {
        (0..len).map(|i| start + i as i16).collect()
    }

    #[test]
    fn empty_queue_has_no_frames() {
        let mut queue = PlayoutQueue::new();
        assert!(queue.is_empty());
        assert_eq!(queue.next_frame(), None);
        assert_eq!(queue.queued_samples(), 0);
        assert!(queue.flush().is_empty());
    }

    #[test]
    fn frames_come_out_in_order() {
        let mut queue = PlayoutQueue::new();
        queue.enqueue(1, &ramp(0, 320));
        assert_eq!(queue.queued_samples(), 320);
        let (id, first) = queue.next_frame().unwrap();
        assert_eq!((id, first[0], first[159]), (1, 0, 159));
        let (_, second) = queue.next_frame().unwrap();
        assert_eq!((second[0], second[159]), (160, 319));
        assert_eq!(queue.next_frame(), None);
        assert!(queue.is_empty());
    }

    #[test]
    fn pads_the_final_partial_frame_and_never_mixes_utterances() {
        let mut queue = PlayoutQueue::new();
        queue.enqueue(1, &ramp(1, 200));
        queue.enqueue(2, &ramp(1000, 10));
        queue.next_frame();
        let (id, tail) = queue.next_frame().unwrap();
        assert_eq!(id, 1);
        assert_eq!(tail[..40], ramp(161, 40)[..]);
        assert!(tail[40..].iter().all(|&s| s == 0));
        let (id, next) = queue.next_frame().unwrap();
        assert_eq!((id, next[0], next[9], next[10]), (2, 1000, 1009, 0));
    }

    #[test]
    fn enqueueing_the_same_id_extends_the_last_utterance() {
        let mut queue = PlayoutQueue::new();
        queue.enqueue(7, &ramp(0, 100));
        queue.enqueue(7, &ramp(100, 60));
        assert_eq!(queue.next_frame().unwrap().1[..], ramp(0, 160)[..]);
        assert_eq!(
            queue.drain_finished(),
            [PlayedUtterance { id: 7, sent_samples: 160, total_samples: 160, completed: true }]
        );
        queue.enqueue(7, &[]);
        assert!(queue.is_empty());
    }

    #[test]
    fn drain_finished_reports_each_completed_utterance_once() {
        let mut queue = PlayoutQueue::new();
        queue.enqueue(1, &[1; 160]);
        queue.enqueue(2, &[2; 100]);
        assert!(queue.drain_finished().is_empty());
        queue.next_frame();
        queue.next_frame();
        let finished = queue.drain_finished();
        assert_eq!(
            finished,
            [
                PlayedUtterance { id: 1, sent_samples: 160, total_samples: 160, completed: true },
                PlayedUtterance { id: 2, sent_samples: 100, total_samples: 100, completed: true },
            ]
        );
        assert!(queue.drain_finished().is_empty());
    }

    #[test]
    fn flush_reports_sent_versus_total() {
        let mut queue = PlayoutQueue::new();
        queue.enqueue(1, &[1; 100]);
        queue.enqueue(2, &[2; 500]);
        queue.enqueue(3, &[3; 50]);
        queue.next_frame();
        queue.next_frame();
        let report = queue.flush();
        assert_eq!(
            report,
            [
                PlayedUtterance { id: 1, sent_samples: 100, total_samples: 100, completed: true },
                PlayedUtterance { id: 2, sent_samples: 160, total_samples: 500, completed: false },
                PlayedUtterance { id: 3, sent_samples: 0, total_samples: 50, completed: false },
            ]
        );
        assert!(queue.is_empty());
        assert_eq!(queue.queued_samples(), 0);
        assert_eq!(queue.next_frame(), None);
        assert!(queue.drain_finished().is_empty());
        // The queue is usable again afterwards.
        queue.enqueue(4, &[4; 10]);
        assert_eq!(queue.next_frame().unwrap().0, 4);
    }

    #[test]
    fn pacer_releases_frames_on_absolute_deadlines() {
        let mut pacer = Pacer::new(FRAME);
        assert_eq!(pacer.deadline(), Duration::ZERO);
        assert_eq!(pacer.tick(Duration::ZERO), 1);
        assert_eq!(pacer.deadline(), FRAME);
        assert_eq!(pacer.tick(Duration::from_millis(19)), 0);
        assert_eq!(pacer.tick(Duration::from_millis(20)), 1);
        // A late tick releases what is due and the next deadline stays on the grid.
        assert_eq!(pacer.tick(Duration::from_millis(65)), 2);
        assert_eq!(pacer.deadline(), Duration::from_millis(80));
        assert_eq!(pacer.skipped(), 0);
    }

    #[test]
    fn pacer_never_drifts_over_ten_thousand_jittery_ticks() {
        let mut pacer = Pacer::new(FRAME);
        let mut sent = 0u64;
        let mut rng = 0x1234_5678_u64;
        for _ in 0..10_000 {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Wake up anywhere from on time to 7 ms late, as a real timer would.
            let now = pacer.deadline() + Duration::from_micros((rng >> 33) % 7_000);
            let due = pacer.tick(now);
            assert_eq!(due, 1);
            sent += u64::from(due);
            assert_eq!(pacer.deadline(), FRAME * sent as u32);
        }
        assert_eq!(sent, 10_000);
        assert_eq!(pacer.deadline(), Duration::from_secs(200));
        assert_eq!(pacer.skipped(), 0);
    }

    #[test]
    fn pacer_skips_ahead_after_a_long_stall() {
        let mut pacer = Pacer::new(FRAME);
        assert_eq!(pacer.tick(Duration::ZERO), 1);
        // Stalled for a second: 50 frames are due, only the burst limit is released.
        assert_eq!(pacer.tick(Duration::from_millis(1000)), Pacer::DEFAULT_MAX_BURST);
        assert_eq!(pacer.skipped(), 45);
        assert_eq!(pacer.deadline(), Duration::from_millis(1020));
        assert_eq!(pacer.tick(Duration::from_millis(1020)), 1);
        let mut small = Pacer::new(FRAME).with_max_burst(0);
        assert_eq!(small.tick(Duration::from_millis(100)), 1);
        assert_eq!(small.skipped(), 5);
    }

    #[test]
    fn pacer_survives_extreme_inputs() {
        let mut pacer = Pacer::new(Duration::ZERO);
        assert_eq!(pacer.tick(Duration::MAX), Pacer::DEFAULT_MAX_BURST);
        assert!(pacer.tick(Duration::MAX) <= Pacer::DEFAULT_MAX_BURST);
        let _ = pacer.deadline();
    }

    proptest! {
        #[test]
        fn every_sample_is_sent_or_reported(
            ops in proptest::collection::vec((0u64..4, 0usize..400, 0u8..10), 0..60),
        ) {
            let mut queue = PlayoutQueue::new();
            let mut enqueued = 0usize;
            let mut sent = 0usize;
            let mut reported = Vec::new();
            for (id, len, action) in ops {
                match action {
                    0 => reported.extend(queue.flush()),
                    1 => reported.extend(queue.drain_finished()),
                    2..=5 => {
                        queue.enqueue(id, &vec![1; len]);
                        enqueued += len;
                    }
                    _ => {
                        if let Some((_, frame)) = queue.next_frame() {
                            sent += frame.iter().filter(|&&s| s == 1).count();
                        }
                    }
                }
                prop_assert_eq!(queue.queued_samples() + sent, enqueued - reported_dropped(&reported));
            }
            reported.extend(queue.flush());
            let reported_sent: usize = reported.iter().map(|p| p.sent_samples).sum();
            let reported_total: usize = reported.iter().map(|p| p.total_samples).sum();
            prop_assert_eq!(reported_sent, sent);
            prop_assert_eq!(reported_total, enqueued);
        }

        #[test]
        fn pacer_releases_exactly_the_elapsed_frames_without_stalls(steps in proptest::collection::vec(0u64..25_000, 1..300)) {
            // Ticks at most 25 ms apart never exceed the burst limit, so nothing is skipped and
            // the total released is exactly the number of deadlines passed.
            let mut pacer = Pacer::new(FRAME);
            let mut now = Duration::ZERO;
            let mut released = 0u64;
            for step in steps {
                now += Duration::from_micros(step);
                released += u64::from(pacer.tick(now));
            }
            prop_assert_eq!(released, (now.as_micros() / 20_000) as u64 + 1);
            prop_assert_eq!(pacer.skipped(), 0);
        }
    }

    /// Samples dropped by flushes so far: enqueued but never sent.
    fn reported_dropped(reported: &[PlayedUtterance]) -> usize {
        reported.iter().map(|p| p.total_samples - p.sent_samples).sum()
    }
}
