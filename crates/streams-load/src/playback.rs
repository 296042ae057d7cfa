//! Twilio's playback buffer for one call: server audio queued, played 160 bytes per 20 ms
//! tick, marks acknowledged when playback reaches them, `clear` dropping what is queued.

use crate::speech::FRAME_SAMPLES;
use std::collections::VecDeque;

/// Bytes (= μ-law samples) queued and played, and the marks waiting on them.
#[derive(Debug, Default)]
pub(crate) struct Playback {
    appended: u64,
    played: u64,
    /// Marks and the `appended` position they follow.
    marks: VecDeque<(u64, String)>,
}

impl Playback {
    /// Queues `bytes` of server audio.
    pub(crate) fn append(&mut self, bytes: usize) {
        self.appended += bytes as u64;
    }

    /// Queues a mark after the audio queued so far.
    pub(crate) fn mark(&mut self, name: String) {
        self.marks.push_back((self.appended, name));
    }

    /// Bytes still to play.
    pub(crate) fn buffered(&self) -> u64 {
        self.appended - self.played
    }

    /// Plays one 20 ms frame: returns the bytes played (0..=160) and the marks now reached.
    pub(crate) fn tick(&mut self) -> (u64, Vec<String>) {
        let played = self.buffered().min(FRAME_SAMPLES as u64);
        self.played += played;
        (played, self.reached())
    }

    /// Marks whose audio has all been played.
    pub(crate) fn reached(&mut self) -> Vec<String> {
        let mut due = Vec::new();
        while self.marks.front().is_some_and(|(at, _)| *at <= self.played) {
            if let Some((_, name)) = self.marks.pop_front() {
                due.push(name);
            }
        }
        due
    }

    /// Drops the queued audio; returns every pending mark (Twilio acknowledges them all).
    pub(crate) fn clear(&mut self) -> Vec<String> {
        self.played = self.appended;
        self.marks.drain(..).map(|(_, name)| name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_follow_playback() {
        let mut p = Playback::default();
        p.append(400);
        p.mark("a".into());
        p.append(100);
        p.mark("b".into());
        assert_eq!(p.tick(), (160, vec![]));
        assert_eq!(p.tick(), (160, vec![]));
        assert_eq!(p.tick(), (160, vec!["a".to_string()]));
        assert_eq!(p.tick(), (20, vec!["b".to_string()]));
        assert_eq!(p.tick(), (0, vec![]));
    }

    #[test]
    fn mark_on_empty_buffer_is_reached_at_once() {
        let mut p = Playback::default();
        p.mark("now".into());
        assert_eq!(p.reached(), vec!["now".to_string()]);
    }

    #[test]
    fn clear_drops_audio_and_returns_pending_marks() {
        let mut p = Playback::default();
        p.append(1000);
        p.mark("x".into());
        p.append(1000);
        p.mark("y".into());
        assert_eq!(p.tick().0, 160);
        assert_eq!(p.clear(), vec!["x".to_string(), "y".to_string()]);
        assert_eq!(p.buffered(), 0);
        assert_eq!(p.tick(), (0, vec![]));
    }
}
