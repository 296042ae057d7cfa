//! Twilio's side of a bidirectional stream's outbound audio: what the server sends is queued and
//! played to the caller in real time, 160 bytes per 20 ms; a `mark` waits in the queue until the
//! audio before it has played; `clear` drops the queue and hands back every pending mark. Pure:
//! the stream calls [`Playback::tick`] once per frame.

use crate::script::FRAME_SAMPLES;
use std::collections::VecDeque;

/// μ-law for 0, what Twilio plays when the queue is empty.
pub(crate) const ULAW_SILENCE: u8 = 0xFF;

/// The queue of agent audio waiting to be played.
#[derive(Default)]
pub(crate) struct Playback {
    queue: VecDeque<u8>,
    /// Bytes played since the stream started (the position of the queue's front).
    played: u64,
    /// Marks with the position they wait for, in order.
    marks: VecDeque<(u64, String)>,
}

/// One frame of playback.
pub(crate) struct Played {
    /// What the caller heard: queued audio, padded with silence.
    pub(crate) ulaw: [u8; FRAME_SAMPLES],
    /// How many of those bytes were agent audio.
    pub(crate) audio_bytes: usize,
    /// Marks whose audio has now all played, to echo.
    pub(crate) marks: Vec<String>,
}

/// What a `clear` did.
pub(crate) struct Cleared {
    pub(crate) dropped_bytes: usize,
    pub(crate) marks: Vec<String>,
}

impl Playback {
    /// Queues agent audio (any length).
    pub(crate) fn push(&mut self, ulaw: &[u8]) {
        self.queue.extend(ulaw);
    }

    /// Queues a mark after the audio queued so far; returns it back at once when nothing is
    /// queued, as Twilio echoes a mark with no audio before it right away.
    pub(crate) fn mark(&mut self, name: String) -> Option<String> {
        if self.queue.is_empty() {
            return Some(name);
        }
        self.marks.push_back((self.played + self.queue.len() as u64, name));
        None
    }

    /// Drops the queued audio; every pending mark is echoed.
    pub(crate) fn clear(&mut self) -> Cleared {
        let dropped_bytes = self.queue.len();
        self.queue.clear();
        Cleared { dropped_bytes, marks: self.marks.drain(..).map(|(_, name)| name).collect() }
    }

    /// Plays one frame.
    pub(crate) fn tick(&mut self) -> Played {
        let mut ulaw = [ULAW_SILENCE; FRAME_SAMPLES];
        let audio_bytes = self.queue.len().min(FRAME_SAMPLES);
        for (slot, byte) in ulaw.iter_mut().zip(self.queue.drain(..audio_bytes)) {
            *slot = byte;
        }
        self.played += audio_bytes as u64;
        let mut marks = Vec::new();
        while self.marks.front().is_some_and(|(at, _)| *at <= self.played) {
            marks.extend(self.marks.pop_front().map(|(_, name)| name));
        }
        Played { ulaw, audio_bytes, marks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_160_bytes_a_frame_and_pads_with_silence() {
        let mut playback = Playback::default();
        playback.push(&[1; 200]);
        let first = playback.tick();
        assert_eq!((first.audio_bytes, first.ulaw), (160, [1; 160]));
        let second = playback.tick();
        assert_eq!(second.audio_bytes, 40);
        assert_eq!(&second.ulaw[..40], &[1; 40]);
        assert!(second.ulaw[40..].iter().all(|&b| b == ULAW_SILENCE));
        assert_eq!(playback.tick().audio_bytes, 0);
    }

    #[test]
    fn a_mark_is_echoed_once_the_audio_before_it_played() {
        let mut playback = Playback::default();
        playback.push(&[1; 320]);
        assert_eq!(playback.mark("a".into()), None);
        playback.push(&[2; 100]);
        assert_eq!(playback.mark("b".into()), None);
        assert!(playback.tick().marks.is_empty());
        assert_eq!(playback.tick().marks, ["a"]);
        assert_eq!(playback.tick().marks, ["b"]);
        // Nothing queued: echoed at once.
        assert_eq!(playback.mark("c".into()), Some("c".into()));
    }

    #[test]
    fn clear_drops_the_queue_and_hands_back_pending_marks() {
        let mut playback = Playback::default();
        playback.push(&[1; 500]);
        assert_eq!(playback.mark("a".into()), None);
        playback.tick();
        let cleared = playback.clear();
        assert_eq!((cleared.dropped_bytes, cleared.marks), (340, vec!["a".to_owned()]));
        assert_eq!(playback.tick().audio_bytes, 0);
        playback.push(&[1; 10]);
        assert_eq!(playback.mark("b".into()), None);
        assert_eq!(playback.tick().marks, ["b"]);
    }
}
