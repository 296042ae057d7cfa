//! Who answered an outbound call — a person or an answering machine — from the first seconds of
//! audio, fed one 20 ms frame at a time (is it speech? is it a tone?), with a decision deadline.
//!
//! People answer briefly ("Hello?", "Sam speaking") and then wait for the caller; machines play a
//! greeting of several sentences and then a beep. The rules, in the order they can fire:
//! - a beep (a steady tone, [`crate::tone`]) means a machine, whenever it comes;
//! - so do a voicemail's words in what the recogniser heard of the greeting ("leave a message",
//!   "after the tone", "not available"…), reported with [`MachineDetector::heard`];
//! - a greeting still going after `longest_human` of speech is a machine;
//! - when the greeting ends (`greeting_end` of silence), one longer than `machine_greeting` is a
//!   machine, a shorter one a person. A person's long hello ("Hello, this is Jordan at Bright
//!   Dental, how can I help you today?", about 4 s) stays under `machine_greeting`;
//! - silence from the answer until `initial_silence`, or no decision by `deadline`: unknown.
//!
//! After a machine decision the detector also says when to speak a message: once the beep is over,
//! or, with no beep, once the greeting has been over for `beep_wait`.

use std::time::Duration;

/// Thresholds; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AmdConfig {
    pub machine_greeting: Duration,
    pub longest_human: Duration,
    pub greeting_end: Duration,
    pub initial_silence: Duration,
    pub beep_wait: Duration,
    pub deadline: Duration,
}

impl Default for AmdConfig {
    fn default() -> Self {
        Self {
            machine_greeting: Duration::from_millis(4_800),
            longest_human: Duration::from_millis(7_000),
            greeting_end: Duration::from_millis(1_000),
            initial_silence: Duration::from_millis(4_000),
            beep_wait: Duration::from_millis(2_500),
            deadline: Duration::from_secs(12),
        }
    }
}

/// Who answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnsweredBy {
    Human,
    Machine,
    Unknown,
}

impl AnsweredBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Machine => "machine",
            Self::Unknown => "unknown",
        }
    }
}

/// What the detector tells its driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmdEvent {
    /// The decision, at `at` after the answer, and the rule that made it.
    Decided { answered_by: AnsweredBy, at: Duration, reason: &'static str },
    /// A machine is recording now: speak the message.
    RecordingStarted { at: Duration },
}

/// The greeting heard so far.
#[derive(Clone, Copy, Debug)]
struct Greeting {
    start: Duration,
    last_speech: Duration,
}

/// The detector; see the module docs.
#[derive(Debug)]
pub struct MachineDetector {
    config: AmdConfig,
    answered_at: Duration,
    greeting: Option<Greeting>,
    decided: Option<AnsweredBy>,
    /// When the last beep frame was heard.
    beep: Option<Duration>,
    cued: bool,
}

impl MachineDetector {
    pub fn new(config: AmdConfig, answered_at: Duration) -> Self {
        Self { config, answered_at, greeting: None, decided: None, beep: None, cued: false }
    }

    /// The decision, once made.
    pub fn decision(&self) -> Option<AnsweredBy> {
        self.decided
    }

    /// Whether the callee has spoken and no decision is made yet.
    pub fn listening_to_a_greeting(&self) -> bool {
        self.greeting.is_some() && self.decided.is_none()
    }

    /// One frame ending at `now`: speech (not counting tones) and tone, as the detectors found.
    pub fn tick(&mut self, now: Duration, speech: bool, tone: bool) -> Vec<AmdEvent> {
        let mut events = Vec::new();
        if tone {
            self.beep = Some(now);
        } else if speech {
            self.note_speech(now);
        }
        if self.decided.is_none() {
            self.decide(now, tone, &mut events);
        }
        if self.decided == Some(AnsweredBy::Machine) && !self.cued && self.recording(now) {
            self.cued = true;
            events.push(AmdEvent::RecordingStarted { at: now - self.answered_at });
        }
        events
    }

    /// The recogniser's text of the greeting so far, at `now`: a voicemail's words decide it.
    pub fn heard(&mut self, now: Duration, text: &str) -> Vec<AmdEvent> {
        if self.decided.is_some() || !sounds_like_voicemail(text) {
            return Vec::new();
        }
        self.decided = Some(AnsweredBy::Machine);
        vec![AmdEvent::Decided {
            answered_by: AnsweredBy::Machine,
            at: now - self.answered_at,
            reason: "voicemail words",
        }]
    }

    fn note_speech(&mut self, now: Duration) {
        match &mut self.greeting {
            Some(greeting) => greeting.last_speech = now,
            None => self.greeting = Some(Greeting { start: now.saturating_sub(crate::FRAME), last_speech: now }),
        }
    }

    fn decide(&mut self, now: Duration, tone: bool, events: &mut Vec<AmdEvent>) {
        let since_answer = now.saturating_sub(self.answered_at);
        let verdict = if tone {
            Some((AnsweredBy::Machine, "beep"))
        } else if let Some(greeting) = self.greeting {
            self.judge_greeting(greeting, now)
        } else if since_answer >= self.config.initial_silence {
            Some((AnsweredBy::Unknown, "silence"))
        } else {
            None
        };
        let verdict = verdict.or((since_answer >= self.config.deadline).then_some((AnsweredBy::Unknown, "deadline")));
        if let Some((answered_by, reason)) = verdict {
            self.decided = Some(answered_by);
            events.push(AmdEvent::Decided { answered_by, at: since_answer, reason });
        }
    }

    fn judge_greeting(&self, greeting: Greeting, now: Duration) -> Option<(AnsweredBy, &'static str)> {
        let length = greeting.last_speech.saturating_sub(greeting.start);
        let ended = now.saturating_sub(greeting.last_speech) >= self.config.greeting_end;
        match (ended, length >= self.config.machine_greeting) {
            (false, _) if length >= self.config.longest_human => Some((AnsweredBy::Machine, "long greeting")),
            (true, true) => Some((AnsweredBy::Machine, "long greeting")),
            (true, false) => Some((AnsweredBy::Human, "short greeting")),
            (false, _) => None,
        }
    }

    /// Whether the machine is recording: the beep is over, or the greeting has been over long
    /// enough that no beep is coming.
    fn recording(&self, now: Duration) -> bool {
        match (self.beep, self.greeting) {
            (Some(beep), _) => now.saturating_sub(beep) >= crate::FRAME * 5,
            (None, Some(greeting)) => now.saturating_sub(greeting.last_speech) >= self.config.beep_wait,
            (None, None) => false,
        }
    }
}

/// Phrases of voicemail greetings that people answering a call do not say.
const VOICEMAIL_PHRASES: &[&str] = &[
    "leave a message",
    "leave your message",
    "leave me a message",
    "leave your name",
    "after the tone",
    "after the beep",
    "at the tone",
    "at the beep",
    "voicemail",
    "voice mail",
    "mailbox",
    "not available",
    "unavailable",
    "can't take your call",
    "cannot take your call",
    "can't come to the phone",
    "cannot come to the phone",
    "can't pick up",
    "record your message",
];

/// Whether `text` has a voicemail greeting's words.
pub fn sounds_like_voicemail(text: &str) -> bool {
    let words: String = text
        .to_lowercase()
        .replace('\u{2019}', "'")
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '\'' { c } else { ' ' })
        .collect();
    let words = format!(" {} ", words.split_whitespace().collect::<Vec<_>>().join(" "));
    VOICEMAIL_PHRASES.iter().any(|phrase| words.contains(&format!(" {phrase} ")))
}

/// Runs a recording of the callee's side from the answer on (8 kHz) through the voice and tone
/// detectors and the machine detector, as a call does frame by frame, telling it what the recogniser
/// heard at the times given in `heard`; returns every event.
pub fn listen(config: AmdConfig, pcm_8k: &[i16], heard: &[(Duration, String)]) -> Vec<AmdEvent> {
    let (mut voice, mut tone) = (crate::vad::VoiceDetector::default(), crate::tone::ToneDetector::default());
    let mut detector = MachineDetector::new(config, Duration::ZERO);
    let mut events = Vec::new();
    for (index, frame) in pcm_8k.chunks_exact(crate::FRAME_SAMPLES).enumerate() {
        let frame: &[i16; crate::FRAME_SAMPLES] = frame.try_into().unwrap_or(&[0; crate::FRAME_SAMPLES]);
        let now = crate::FRAME * (index as u32 + 1);
        let beep = tone.is_tone(frame);
        let speech = voice.is_speech(frame) && !beep;
        events.extend(detector.tick(now, speech, beep));
        for (_, text) in heard.iter().filter(|(at, _)| now.saturating_sub(crate::FRAME) < *at && *at <= now) {
            events.extend(detector.heard(now, text));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs a timeline of (length, speech, tone) segments; returns every event.
    fn run(segments: &[(u64, bool, bool)]) -> Vec<AmdEvent> {
        let mut detector = MachineDetector::new(AmdConfig::default(), Duration::ZERO);
        let mut now = Duration::ZERO;
        let mut events = Vec::new();
        for &(length, speech, tone) in segments {
            let end = now + ms(length);
            while now < end {
                now += crate::FRAME;
                events.extend(detector.tick(now, speech, tone));
            }
        }
        events
    }

    fn decided(events: &[AmdEvent]) -> Option<(AnsweredBy, Duration, &'static str)> {
        events.iter().find_map(|e| match *e {
            AmdEvent::Decided { answered_by, at, reason } => Some((answered_by, at, reason)),
            AmdEvent::RecordingStarted { .. } => None,
        })
    }

    fn recording(events: &[AmdEvent]) -> Option<Duration> {
        events.iter().find_map(|e| match *e {
            AmdEvent::RecordingStarted { at } => Some(at),
            AmdEvent::Decided { .. } => None,
        })
    }

    #[test]
    fn a_short_hello_is_a_person_once_it_ended() {
        let events = run(&[(400, false, false), (800, true, false), (1_000, false, false)]);
        assert_eq!(decided(&events), Some((AnsweredBy::Human, ms(2_200), "short greeting")));
        assert_eq!(recording(&events), None);
    }

    #[test]
    fn a_long_hello_with_pauses_is_still_a_person() {
        // "Hello, this is Jordan at Bright Dental, | how can I help you today?"
        let events = run(&[
            (300, false, false),
            (2_200, true, false),
            (400, false, false),
            (1_500, true, false),
            (1_100, false, false),
        ]);
        assert_eq!(decided(&events).map(|d| d.0), Some(AnsweredBy::Human));
    }

    #[test]
    fn a_greeting_then_a_beep_is_a_machine_and_the_message_follows_the_beep() {
        let events = run(&[
            (400, false, false),
            (5_000, true, false),
            (500, false, false),
            (500, false, true),
            (400, false, false),
        ]);
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(5_920), "beep")));
        assert_eq!(recording(&events), Some(ms(6_500)));
    }

    #[test]
    fn a_short_greeting_with_a_beep_is_a_machine_by_the_beep() {
        let events = run(&[
            (300, false, false),
            (1_500, true, false),
            (400, false, false),
            (500, false, true),
            (300, false, false),
        ]);
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(2_220), "beep")));
        assert_eq!(recording(&events), Some(ms(2_800)));
    }

    #[test]
    fn a_long_greeting_without_a_beep_is_a_machine_and_recording_starts_after_the_wait() {
        let events = run(&[(400, false, false), (6_000, true, false), (3_000, false, false)]);
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(7_400), "long greeting")));
        assert_eq!(recording(&events), Some(ms(8_900)));
    }

    #[test]
    fn one_who_talks_on_and_on_is_a_machine_before_they_stop() {
        let events = run(&[(200, false, false), (8_000, true, false)]);
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(7_200), "long greeting")));
    }

    #[test]
    fn silence_is_unknown() {
        let events = run(&[(5_000, false, false)]);
        assert_eq!(decided(&events), Some((AnsweredBy::Unknown, ms(4_000), "silence")));
    }

    #[test]
    fn a_recorded_beep_after_silence_is_heard_as_a_machine() {
        let mut clip = vec![0i16; 8_000];
        clip.extend(crate::tone::sine(1_000.0, 0.5, 8_000.0));
        clip.resize(clip.len() + 4_000, 0);
        let events = listen(AmdConfig::default(), &clip, &[]);
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(1_120), "beep")));
        assert_eq!(recording(&events), Some(ms(1_600)));
    }

    #[test]
    fn voicemail_words_decide_a_machine_and_a_persons_words_do_not() {
        for text in
            ["Hi, you've reached Sam. Please leave a message after the tone.", "I can’t take your call.", "VOICEMAIL"]
        {
            assert!(sounds_like_voicemail(text), "{text}");
        }
        for text in ["Hello, this is Jordan at Bright Dental, how can I help you today?", "Leave it.", "", "the tones"]
        {
            assert!(!sounds_like_voicemail(text), "{text}");
        }
        let mut detector = MachineDetector::new(AmdConfig::default(), ms(100));
        assert!(detector.heard(ms(1_500), "Hello?").is_empty());
        let events = detector.heard(ms(2_100), "Please leave a message.");
        assert_eq!(decided(&events), Some((AnsweredBy::Machine, ms(2_000), "voicemail words")));
        assert!(detector.heard(ms(2_500), "after the tone").is_empty(), "decided once");
    }

    #[test]
    fn one_decision_only() {
        let events = run(&[
            (300, false, false),
            (800, true, false),
            (1_000, false, false),
            (500, false, true),
            (6_000, true, false),
        ]);
        assert_eq!(events.iter().filter(|e| matches!(e, AmdEvent::Decided { .. })).count(), 1);
        assert_eq!(decided(&events).map(|d| d.0), Some(AnsweredBy::Human));
    }
}
