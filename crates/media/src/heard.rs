//! What the far end has actually played of our speech, when a carrier buffers it (Twilio Media
//! Streams): we send marks along with the audio, the carrier echoes each once playback reaches it,
//! and on a barge-in (`clear`) what was heard is the last echoed mark plus the time since.
//!
//! Mark names are `"{utterance}:{samples}"` (progress) and `"{utterance}:{samples}:end"` (the
//! utterance's last frame). Echoes of marks sent before a clear carry no news and are skipped.

use crate::playout::{FRAME_SAMPLES, PlayedUtterance, UtteranceId};
use std::collections::BTreeMap;
use std::time::Duration;

/// A progress mark every this many frames (200 ms): the precision of a truncated transcript.
pub const MARK_EVERY_FRAMES: u32 = 10;
const SAMPLES_PER_SEC: u64 = 8_000;

#[derive(Clone, Copy, Debug, Default)]
struct InFlight {
    sent: usize,
    /// Set once the last frame is sent.
    total: Option<usize>,
    frames_since_mark: u32,
}

/// The newest echoed position: playback had reached `samples` into `id` at `at`.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    id: UtteranceId,
    samples: usize,
    at: Duration,
}

/// Tracks sent speech and echoed marks. Times are offsets from any fixed origin.
#[derive(Debug, Default)]
pub struct HeardTracker {
    in_flight: BTreeMap<UtteranceId, InFlight>,
    first_sent_at: Option<Duration>,
    anchor: Option<Anchor>,
    /// Marks sent whose echo has not come back.
    unanswered: usize,
    /// Echoes still due for marks sent before the last clear.
    stale: usize,
}

impl HeardTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A frame of utterance `id` went out at `now`; returns a progress mark to send after it, if due.
    pub fn frame_sent(&mut self, id: UtteranceId, now: Duration) -> Option<String> {
        if self.in_flight.is_empty() && self.anchor.is_none() {
            self.first_sent_at = Some(now);
        }
        let entry = self.in_flight.entry(id).or_default();
        entry.sent += FRAME_SAMPLES;
        entry.frames_since_mark += 1;
        if entry.frames_since_mark < MARK_EVERY_FRAMES {
            return None;
        }
        entry.frames_since_mark = 0;
        let sent = entry.sent;
        self.unanswered += 1;
        Some(format!("{id}:{sent}"))
    }

    /// The utterance's last frame went out: the mark to send after it.
    pub fn utterance_sent(&mut self, id: UtteranceId, total_samples: usize) -> String {
        let entry = self.in_flight.entry(id).or_default();
        entry.total = Some(total_samples);
        self.unanswered += 1;
        format!("{id}:{}:end", entry.sent)
    }

    /// The far end echoed mark `name` at `now`: returns the utterance it finished playing, if any.
    pub fn echoed(&mut self, name: &str, now: Duration) -> Option<PlayedUtterance> {
        self.unanswered = self.unanswered.saturating_sub(1);
        if self.stale > 0 {
            self.stale -= 1;
            return None;
        }
        let (id, samples, end) = parse_mark(name)?;
        let entry = self.in_flight.get(&id).copied()?;
        self.anchor = Some(Anchor { id, samples, at: now });
        if !end {
            return None;
        }
        self.in_flight.remove(&id);
        let total = entry.total.unwrap_or(entry.sent);
        Some(PlayedUtterance { id, sent_samples: total, total_samples: total, completed: true })
    }

    /// Speech was cleared at `now` (after `cut`, the playout's report of what was still queued):
    /// reports what the far end heard of every utterance not yet reported, and forgets them.
    pub fn clear(&mut self, cut: &[PlayedUtterance], now: Duration) -> Vec<PlayedUtterance> {
        let mut playback = self.playback_position(now);
        let mut report = Vec::new();
        for (id, flight) in std::mem::take(&mut self.in_flight) {
            let heard = match &mut playback {
                Some((from, budget)) if id >= *from => {
                    let heard = flight.sent.min(*budget);
                    *budget -= heard;
                    heard
                }
                // Older than the newest echo: played in full before it.
                Some(_) => flight.sent,
                None => 0,
            };
            let total =
                cut.iter().find(|c| c.id == id).map_or(flight.total.unwrap_or(flight.sent), |c| c.total_samples);
            report.push(PlayedUtterance { id, sent_samples: heard, total_samples: total, completed: heard >= total });
        }
        let unsent: Vec<PlayedUtterance> = cut
            .iter()
            .filter(|c| !report.iter().any(|r| r.id == c.id))
            .map(|c| PlayedUtterance { sent_samples: 0, completed: false, ..*c })
            .collect();
        report.extend(unsent);
        self.stale += std::mem::take(&mut self.unanswered);
        self.anchor = None;
        self.first_sent_at = None;
        report
    }

    /// From which utterance playback is counted, and how many samples it has played since (the
    /// newest echo plus the time since, or the first frame's send time when nothing was echoed).
    fn playback_position(&self, now: Duration) -> Option<(UtteranceId, usize)> {
        let (id, base, since) = match self.anchor {
            Some(anchor) if self.in_flight.contains_key(&anchor.id) => (anchor.id, anchor.samples, anchor.at),
            Some(anchor) => (self.in_flight.keys().next().copied()?, 0, anchor.at),
            None => (self.in_flight.keys().next().copied()?, 0, self.first_sent_at?),
        };
        let elapsed = now.saturating_sub(since);
        let played = (elapsed.as_micros() as u64 * SAMPLES_PER_SEC / 1_000_000) as usize;
        Some((id, base + played))
    }
}

fn parse_mark(name: &str) -> Option<(UtteranceId, usize, bool)> {
    let mut parts = name.split(':');
    let id = parts.next()?.parse().ok()?;
    let samples = parts.next()?.parse().ok()?;
    let end = match parts.next() {
        None => false,
        Some("end") => true,
        Some(_) => return None,
    };
    parts.next().is_none().then_some((id, samples, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends `frames` frames of `id` starting at `start_ms`, one per 20 ms; returns the marks.
    fn send(tracker: &mut HeardTracker, id: u64, frames: u64, start_ms: u64) -> Vec<(String, u64)> {
        (0..frames)
            .filter_map(|n| tracker.frame_sent(id, ms(start_ms + 20 * n)).map(|m| (m, start_ms + 20 * n)))
            .collect()
    }

    #[test]
    fn an_utterance_finishes_when_its_end_mark_comes_back() {
        let mut tracker = HeardTracker::new();
        let marks = send(&mut tracker, 1, 25, 0);
        assert_eq!(marks.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(), ["1:1600", "1:3200"]);
        let end = tracker.utterance_sent(1, 4_000);
        assert_eq!(end, "1:4000:end");
        assert_eq!(tracker.echoed("1:1600", ms(250)), None);
        let done = tracker.echoed(&end, ms(560)).unwrap();
        assert_eq!((done.id, done.sent_samples, done.completed), (1, 4_000, true));
    }

    #[test]
    fn a_clear_reports_the_last_echo_plus_the_time_since() {
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 1, 30, 0);
        // Playback runs 50 ms behind sending: the 1,600-sample mark comes back at 250 ms.
        assert_eq!(tracker.echoed("1:1600", ms(250)), None);
        let cut = [PlayedUtterance { id: 1, sent_samples: 4_800, total_samples: 8_000, completed: false }];
        let heard = tracker.clear(&cut, ms(350));
        assert_eq!(heard, [PlayedUtterance { id: 1, sent_samples: 2_400, total_samples: 8_000, completed: false }]);
    }

    #[test]
    fn without_an_echo_playback_is_counted_from_the_first_frame_and_never_past_what_was_sent() {
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 4, 5, 1_000);
        let heard = tracker.clear(&[], ms(1_060));
        assert_eq!(heard[0].sent_samples, 480);
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 4, 5, 1_000);
        assert_eq!(tracker.clear(&[], ms(9_000))[0].sent_samples, 800, "capped at what went out");
    }

    #[test]
    fn later_utterances_take_what_is_left_of_the_playback_time() {
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 1, 5, 0);
        let end = tracker.utterance_sent(1, 800);
        send(&mut tracker, 2, 20, 100);
        assert!(tracker.echoed(&end, ms(100)).is_some());
        // The anchor names a finished utterance, so counting starts at utterance 2 from its echo time.
        let heard = tracker.clear(&[], ms(300));
        assert_eq!(heard, [PlayedUtterance { id: 2, sent_samples: 1_600, total_samples: 3_200, completed: false }]);
    }

    #[test]
    fn echoes_of_marks_sent_before_a_clear_are_ignored() {
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 1, 20, 0);
        tracker.clear(&[], ms(400));
        // Twilio echoes the two pending marks after the clear; they must not revive utterance 1.
        assert_eq!(tracker.echoed("1:1600", ms(410)), None);
        assert_eq!(tracker.echoed("1:3200", ms(410)), None);
        send(&mut tracker, 2, 10, 500);
        assert_eq!(tracker.echoed("2:1600", ms(700)), None);
        let heard = tracker.clear(&[], ms(700));
        assert_eq!(heard[0].sent_samples, 1_600);
    }

    #[test]
    fn nonsense_mark_names_change_nothing() {
        let mut tracker = HeardTracker::new();
        send(&mut tracker, 1, 10, 0);
        for name in ["", "x", "1", "1:x", "1:5:later", "1:5:end:more", "9:160:end"] {
            assert_eq!(tracker.echoed(name, ms(100)), None, "{name}");
        }
        assert_eq!(tracker.clear(&[], ms(100))[0].sent_samples, 800);
    }
}
