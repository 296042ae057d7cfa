//! Bookkeeping of the reply being spoken: which sentences became which utterances, how much of
//! each went out, and so what the caller heard when it was cut short.

use super::reply::ReplyEvent;
use agentline_conversation::heard::heard_part;
use agentline_conversation::latency::TurnLatency;
use agentline_media::playout::PlayedUtterance;
use std::collections::HashMap;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Why the agent is speaking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Purpose {
    Greeting,
    Answer,
    Reminder,
    Goodbye,
    /// The message for an answering machine; the call ends after it.
    Voicemail,
}

/// When the stages of an answer happened, for its latency figures.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timing {
    pub speech_end: Instant,
    pub decided: Instant,
    pub transcribed: Instant,
    pub first_sentence: Option<Instant>,
    pub first_audio: Option<Instant>,
}

impl Timing {
    /// The figures, once the first frame went out at `first_frame`.
    pub(super) fn latency(&self, first_frame: Instant) -> TurnLatency {
        let sentence = self.first_sentence.unwrap_or(self.transcribed);
        let audio = self.first_audio.unwrap_or(sentence);
        let stt = self.transcribed - self.decided;
        let brain_first = sentence - self.transcribed;
        let tts_first = audio - sentence;
        let total = first_frame.saturating_duration_since(self.decided);
        TurnLatency {
            endpointing: self.decided - self.speech_end,
            stt,
            brain_first,
            tts_first,
            server: total.saturating_sub(stt + brain_first + tts_first),
            response: first_frame.saturating_duration_since(self.speech_end),
        }
    }
}

/// The reply in progress.
pub(super) struct Speaking {
    pub number: u64,
    pub purpose: Purpose,
    pub task: JoinHandle<()>,
    pub timing: Option<Timing>,
    sentences: Vec<(u64, String)>,
    queued: HashMap<u64, usize>,
    played: HashMap<u64, usize>,
    pub done: bool,
    pub end_call: bool,
    /// The first frame's offset in the recording, once it went out.
    pub first_frame: Option<std::time::Duration>,
}

impl Speaking {
    pub(super) fn new(number: u64, purpose: Purpose, task: JoinHandle<()>, timing: Option<Timing>) -> Self {
        Self {
            number,
            purpose,
            task,
            timing,
            sentences: Vec::new(),
            queued: HashMap::new(),
            played: HashMap::new(),
            done: false,
            end_call: false,
            first_frame: None,
        }
    }

    /// Takes the reply task's news about sentences, queued audio and completion.
    pub(super) fn note(&mut self, event: &ReplyEvent) {
        match event {
            ReplyEvent::Sentence { id, text, at } => {
                self.sentences.push((*id, text.clone()));
                if let Some(timing) = &mut self.timing {
                    timing.first_sentence.get_or_insert(*at);
                }
            }
            ReplyEvent::Audio { id, samples, at } => {
                *self.queued.entry(*id).or_default() += samples;
                if let Some(timing) = &mut self.timing {
                    timing.first_audio.get_or_insert(*at);
                }
            }
            ReplyEvent::Done => self.done = true,
            ReplyEvent::Act(_) | ReplyEvent::Note { .. } => {}
        }
    }

    /// Counts what went out of utterances the media finished or flushed.
    pub(super) fn played(&mut self, reports: &[PlayedUtterance]) {
        for report in reports {
            if self.queued.contains_key(&report.id) {
                *self.played.entry(report.id).or_default() += report.sent_samples;
            }
        }
    }

    /// Whether every sample of a finished reply has been played.
    pub(super) fn complete(&self) -> bool {
        self.done && self.queued.iter().all(|(id, total)| self.played.get(id).copied().unwrap_or(0) >= *total)
    }

    /// Everything the reply said.
    pub(super) fn text(&self) -> String {
        join(self.sentences.iter().map(|(_, text)| text.as_str()))
    }

    /// What the caller heard of it: whole sentences played, then the words reached in the one cut short.
    pub(super) fn heard(&self) -> String {
        let mut parts = Vec::new();
        for (id, text) in &self.sentences {
            let total = self.queued.get(id).copied().unwrap_or(0);
            let played = self.played.get(id).copied().unwrap_or(0);
            let part = if total == 0 { String::new() } else { heard_part(text, played, total) };
            let whole = total > 0 && played >= total;
            parts.push(part);
            if !whole {
                break;
            }
        }
        join(parts.iter().map(String::as_str))
    }
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts.filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}
