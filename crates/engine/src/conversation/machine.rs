//! Answering-machine detection on an outbound call: feeds the sans-IO detector
//! (`agentline_conversation::amd`) the caller's audio frame by frame and the recogniser's drafts,
//! and turns its events into what the conversation does: record `answered_by`, and with the
//! agent's `voicemail` setting, hang up or leave the message once the machine records.

use agentline_conversation::amd::{AmdConfig, AmdEvent, AnsweredBy, MachineDetector};
use agentline_conversation::tone::ToneDetector;
use agentline_domain::voicemail::Voicemail;
use std::time::Duration;

/// What the conversation must do about the answering machine.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum MachineStep {
    /// Who answered is known: record it (and greet, if the greeting waited for it).
    Decided { answered_by: AnsweredBy, at: Duration, reason: &'static str },
    /// A machine answered and the agent hangs up.
    HangUp,
    /// A machine answered: stop talking and listen until it records.
    Hush,
    /// The machine records: say the message, then hang up.
    LeaveMessage(String),
}

/// The detector of one call and the agent's voicemail setting.
pub(super) struct MachineWatch {
    detector: MachineDetector,
    tone: ToneDetector,
    voicemail: Option<Voicemail>,
}

impl MachineWatch {
    pub(super) fn new(voicemail: Option<Voicemail>) -> Self {
        let detector = MachineDetector::new(AmdConfig::default(), Duration::ZERO);
        Self { detector, tone: ToneDetector::default(), voicemail }
    }

    /// Whether the greeting should wait for the decision: the agent has something to do about
    /// machines and who answered is not known yet (a silent line is decided "unknown" after 4 s).
    pub(super) fn holds_the_greeting(&self) -> bool {
        self.voicemail.is_some() && self.detector.decision().is_none()
    }

    /// Whether the call is a machine's and the agent deals with it (nothing else is said).
    pub(super) fn handling_a_machine(&self) -> bool {
        self.voicemail.is_some() && self.detector.decision() == Some(AnsweredBy::Machine)
    }

    /// Whether the watch has nothing more to say (decided, and no message to cue).
    pub(super) fn done(&self) -> bool {
        match self.detector.decision() {
            Some(AnsweredBy::Machine) => !matches!(self.voicemail, Some(Voicemail::LeaveMessage { .. })),
            Some(_) => true,
            None => false,
        }
    }

    /// One frame of the callee's audio at `now` (the voice detector's verdict for it).
    pub(super) fn frame(
        &mut self,
        now: Duration,
        frame: &[i16; crate::media::FRAME],
        speech: bool,
    ) -> Vec<MachineStep> {
        let tone = self.tone.is_tone(frame);
        let events = self.detector.tick(now, speech && !tone, tone);
        events.into_iter().flat_map(|event| self.steps(event)).collect()
    }

    /// What the recogniser heard of the callee so far.
    pub(super) fn heard(&mut self, now: Duration, text: &str) -> Vec<MachineStep> {
        let events = self.detector.heard(now, text);
        events.into_iter().flat_map(|event| self.steps(event)).collect()
    }

    fn steps(&self, event: AmdEvent) -> Vec<MachineStep> {
        match event {
            AmdEvent::Decided { answered_by, at, reason } => {
                let decided = MachineStep::Decided { answered_by, at, reason };
                match (&self.voicemail, answered_by) {
                    (Some(Voicemail::Hangup {}), AnsweredBy::Machine) => vec![decided, MachineStep::HangUp],
                    (Some(_), AnsweredBy::Machine) => vec![decided, MachineStep::Hush],
                    _ => vec![decided],
                }
            }
            AmdEvent::RecordingStarted { .. } => match &self.voicemail {
                Some(Voicemail::LeaveMessage { message }) => vec![MachineStep::LeaveMessage(message.clone())],
                _ => Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentline_conversation::tone::sine;

    const QUIET: [i16; 160] = [0; 160];

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds `frames` 20 ms frames of `speech`, or of a 1 kHz beep, from `*now` on.
    fn feed(watch: &mut MachineWatch, now: &mut Duration, frames: usize, speech: bool, beep: bool) -> Vec<MachineStep> {
        let tone: Vec<i16> = sine(1_000.0, 0.02, 8_000.0);
        let beep_frame: [i16; 160] = tone[..160].try_into().unwrap();
        let mut steps = Vec::new();
        for _ in 0..frames {
            *now += ms(20);
            let frame = if beep { &beep_frame } else { &QUIET };
            steps.extend(watch.frame(*now, frame, speech));
        }
        steps
    }

    #[test]
    fn a_machine_gets_the_message_after_its_beep() {
        let message = Voicemail::LeaveMessage { message: "Call us back.".into() };
        let mut watch = MachineWatch::new(Some(message));
        let mut now = Duration::ZERO;
        feed(&mut watch, &mut now, 20, false, false);
        assert!(watch.holds_the_greeting(), "undecided");
        assert!(feed(&mut watch, &mut now, 100, true, false).is_empty());
        assert!(watch.holds_the_greeting());
        let steps = feed(&mut watch, &mut now, 30, false, true);
        assert_eq!(steps[0], MachineStep::Decided { answered_by: AnsweredBy::Machine, at: ms(2_520), reason: "beep" });
        assert_eq!(steps[1], MachineStep::Hush);
        assert!(watch.handling_a_machine() && !watch.done());
        let steps = feed(&mut watch, &mut now, 10, false, false);
        assert_eq!(steps, [MachineStep::LeaveMessage("Call us back.".into())]);
    }

    #[test]
    fn voicemail_words_hang_up_when_the_agent_only_hangs_up() {
        let mut watch = MachineWatch::new(Some(Voicemail::Hangup {}));
        let steps = watch.heard(ms(1_500), "Please leave a message.");
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1], MachineStep::HangUp);
        assert!(watch.done());
    }

    #[test]
    fn without_a_setting_the_decision_is_only_recorded_and_nothing_waits() {
        let mut watch = MachineWatch::new(None);
        let mut now = Duration::ZERO;
        feed(&mut watch, &mut now, 40, true, false);
        assert!(!watch.holds_the_greeting());
        let steps = feed(&mut watch, &mut now, 60, false, false);
        assert_eq!(
            steps,
            [MachineStep::Decided { answered_by: AnsweredBy::Human, at: ms(1_800), reason: "short greeting" }]
        );
        assert!(watch.done() && !watch.handling_a_machine());
    }
}
