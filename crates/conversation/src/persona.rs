//! The sandbox callee: a scripted person who answers, says their lines when it is their turn,
//! and hangs up. They take turns the way people do on the phone — by listening for the agent to
//! go quiet — so a sandbox call exercises the agent's real turn-taking, and one persona talks
//! over the agent on purpose to exercise barge-in.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

/// When a line is said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cue {
    /// This long after the call is answered ("Hello?").
    OnAnswer(Duration),
    /// Once the agent has spoken and gone quiet.
    AfterAgentTurn,
    /// Over the agent, once it has talked this long without pause (an interruption).
    OverAgent(Duration),
}

/// One line of the persona.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: Cow<'static, str>,
    pub cue: Cue,
}

/// A caller who says `lines` in turn: the first shortly after answering ("Hello?"), each next
/// one once the agent has answered the last, then hangs up when the agent has answered the last.
pub fn script(lines: impl IntoIterator<Item = String>) -> Vec<Line> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| Line { text: Cow::Owned(text), cue: if i == 0 { HELLO.cue } else { Cue::AfterAgentTurn } })
        .collect()
}

/// What the driver must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonaAction {
    /// Say line `index` of the persona's lines.
    Say(usize),
    /// Hang up.
    HangUp,
}

/// Timing of the persona's listening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ear {
    /// Agent speech that makes a turn (shorter is a noise).
    pub min_turn: Duration,
    /// Agent silence that ends its turn.
    pub turn_gap: Duration,
    /// How long the persona waits for the agent before giving up and hanging up.
    pub patience: Duration,
    /// A pause between words shorter than this keeps the agent's spell of talk going.
    pub word_gap: Duration,
}

impl Default for Ear {
    fn default() -> Self {
        Self {
            min_turn: Duration::from_millis(300),
            turn_gap: Duration::from_millis(900),
            patience: Duration::from_secs(20),
            word_gap: Duration::from_millis(400),
        }
    }
}

/// The persona's state machine; fed one tick per 20 ms frame.
#[derive(Clone, Debug)]
pub struct Persona {
    lines: Arc<[Line]>,
    ear: Ear,
    next: usize,
    answered_at: Duration,
    /// Agent speech heard since the persona last spoke; when its current spell began (pauses
    /// between words shorter than `Ear::word_gap` don't end a spell); when it was last heard.
    agent_voiced: Duration,
    agent_since: Option<Duration>,
    agent_last: Option<Duration>,
    /// When the persona last finished speaking (or the call was answered).
    waiting_since: Duration,
    speaking: bool,
    hung_up: bool,
}

impl Persona {
    pub fn new(lines: Arc<[Line]>, ear: Ear, answered_at: Duration) -> Self {
        Self {
            lines,
            ear,
            next: 0,
            answered_at,
            agent_voiced: Duration::ZERO,
            agent_since: None,
            agent_last: None,
            waiting_since: answered_at,
            speaking: false,
            hung_up: false,
        }
    }

    /// One frame at `now`: whether the agent's audio in it was speech, and whether the
    /// persona's own line is still playing.
    pub fn tick(&mut self, now: Duration, agent_speech: bool, self_speaking: bool) -> Option<PersonaAction> {
        if self.hung_up {
            return None;
        }
        self.track_self(now, self_speaking);
        self.track_agent(now, agent_speech);
        let action = self.decide(now);
        if let Some(PersonaAction::Say(_)) = action {
            self.next += 1;
            self.speaking = true;
            self.agent_voiced = Duration::ZERO;
        }
        if action == Some(PersonaAction::HangUp) {
            self.hung_up = true;
        }
        action
    }

    fn track_self(&mut self, now: Duration, self_speaking: bool) {
        if self.speaking && !self_speaking {
            self.speaking = false;
            self.waiting_since = now;
            self.agent_voiced = Duration::ZERO;
        }
    }

    fn track_agent(&mut self, now: Duration, agent_speech: bool) {
        let in_spell = self.agent_last.is_some_and(|last| now.saturating_sub(last) < self.ear.word_gap);
        if !in_spell {
            self.agent_since = None;
        }
        if agent_speech {
            self.agent_voiced += crate::FRAME;
            self.agent_since.get_or_insert(now.saturating_sub(crate::FRAME));
            self.agent_last = Some(now);
        }
    }

    fn decide(&self, now: Duration) -> Option<PersonaAction> {
        let Some(line) = self.lines.get(self.next) else {
            return self.finished(now).then_some(PersonaAction::HangUp);
        };
        let due = match line.cue {
            Cue::OnAnswer(after) => now.saturating_sub(self.answered_at) >= after,
            Cue::AfterAgentTurn => !self.speaking && self.agent_turn_over(now),
            Cue::OverAgent(after) => {
                !self.speaking && self.agent_since.is_some_and(|since| now.saturating_sub(since) >= after)
            }
        };
        if due {
            return Some(PersonaAction::Say(self.next));
        }
        self.out_of_patience(now).then_some(PersonaAction::HangUp)
    }

    /// The agent has said something since the persona spoke and has now paused.
    fn agent_turn_over(&self, now: Duration) -> bool {
        self.agent_voiced >= self.ear.min_turn
            && self.agent_last.is_some_and(|last| now.saturating_sub(last) >= self.ear.turn_gap)
    }

    /// After the last line: hang up once the agent has answered it, or stayed quiet too long.
    fn finished(&self, now: Duration) -> bool {
        !self.speaking && (self.agent_turn_over(now) || self.out_of_patience(now))
    }

    fn out_of_patience(&self, now: Duration) -> bool {
        let heard = self.agent_last.map_or(self.waiting_since, |last| last.max(self.waiting_since));
        !self.speaking && now.saturating_sub(heard) >= self.ear.patience
    }
}

const HELLO: Line =
    Line { text: Cow::Borrowed("Hello, this is Sam speaking."), cue: Cue::OnAnswer(Duration::from_millis(400)) };
const GOODBYE: Line = Line { text: Cow::Borrowed("Okay, thank you. Goodbye."), cue: Cue::AfterAgentTurn };

/// The "answers and talks" callee: greets, listens, asks, agrees, says goodbye.
pub const TALKER: &[Line] = &[
    HELLO,
    Line { text: Cow::Borrowed("Yes, I have a minute. What is this about?"), cue: Cue::AfterAgentTurn },
    Line { text: Cow::Borrowed("That sounds good, please send me the details."), cue: Cue::AfterAgentTurn },
    GOODBYE,
];

/// The "long hello" callee: a person whose hello is as long as a short voicemail greeting, then
/// talks like [`TALKER`].
pub const LONG_HELLO: &[Line] = &[
    Line {
        text: Cow::Borrowed("Hello, this is Jordan at Bright Dental, how can I help you today?"),
        cue: Cue::OnAnswer(Duration::from_millis(400)),
    },
    Line { text: Cow::Borrowed("Yes, I have a minute. What is this about?"), cue: Cue::AfterAgentTurn },
    Line { text: Cow::Borrowed("That sounds good, please send me the details."), cue: Cue::AfterAgentTurn },
    GOODBYE,
];

/// The "interrupts" callee: talks over the agent's first long sentence.
pub const INTERRUPTER: &[Line] = &[
    HELLO,
    Line {
        text: Cow::Borrowed("Sorry, can I stop you there? I am driving right now."),
        cue: Cue::OverAgent(Duration::from_millis(1500)),
    },
    GOODBYE,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs frames until `until`, with agent speech and the persona's playing state given per frame.
    fn run(
        persona: &mut Persona,
        from: Duration,
        until: Duration,
        agent: bool,
        playing: bool,
    ) -> Vec<(Duration, PersonaAction)> {
        let mut now = from;
        let mut out = Vec::new();
        while now < until {
            now += crate::FRAME;
            if let Some(action) = persona.tick(now, agent, playing) {
                out.push((now, action));
            }
        }
        out
    }

    #[test]
    fn talker_says_hello_then_waits_for_the_agent_to_finish() {
        let mut p = Persona::new(TALKER.into(), Ear::default(), ms(0));
        assert_eq!(run(&mut p, ms(0), ms(400), false, false), vec![(ms(400), PersonaAction::Say(0))]);
        // Hello plays for 1.5 s, then the agent talks 2 s.
        assert!(run(&mut p, ms(400), ms(1900), false, true).is_empty());
        assert!(run(&mut p, ms(1900), ms(3900), true, false).is_empty());
        // The agent's pause must reach the turn gap before the next line.
        assert!(run(&mut p, ms(3900), ms(4780), false, false).is_empty());
        assert_eq!(run(&mut p, ms(4780), ms(4800), false, false), vec![(ms(4800), PersonaAction::Say(1))]);
    }

    #[test]
    fn a_short_agent_noise_is_not_a_turn() {
        let mut p = Persona::new(TALKER.into(), Ear::default(), ms(0));
        run(&mut p, ms(0), ms(400), false, false);
        run(&mut p, ms(400), ms(1000), false, true);
        run(&mut p, ms(1000), ms(1200), true, false);
        assert!(run(&mut p, ms(1200), ms(3000), false, false).is_empty());
    }

    #[test]
    fn interrupter_talks_over_a_long_agent_sentence() {
        let mut p = Persona::new(INTERRUPTER.into(), Ear::default(), ms(0));
        run(&mut p, ms(0), ms(400), false, false);
        run(&mut p, ms(400), ms(1000), false, true);
        let actions = run(&mut p, ms(1000), ms(3000), true, false);
        assert_eq!(actions, vec![(ms(2500), PersonaAction::Say(1))]);
    }

    #[test]
    fn pauses_between_words_do_not_restart_the_agents_spell() {
        let mut p = Persona::new(INTERRUPTER.into(), Ear::default(), ms(0));
        run(&mut p, ms(0), ms(400), false, false);
        run(&mut p, ms(400), ms(1000), false, true);
        let mut said = Vec::new();
        let mut at = ms(1000);
        // Words of 300 ms with 100 ms pauses.
        while at < ms(4000) && said.is_empty() {
            said.extend(run(&mut p, at, at + ms(300), true, false));
            said.extend(run(&mut p, at + ms(300), at + ms(400), false, false));
            at += ms(400);
        }
        assert_eq!(said.first().map(|(_, a)| *a), Some(PersonaAction::Say(1)));
        assert!(said[0].0 >= ms(2500) && said[0].0 <= ms(2900), "{said:?}");
    }

    #[test]
    fn hangs_up_after_the_agent_answers_the_goodbye() {
        let mut p = Persona::new([GOODBYE].into(), Ear::default(), ms(0));
        run(&mut p, ms(0), ms(1000), true, false);
        let said = run(&mut p, ms(1000), ms(2000), false, false);
        assert_eq!(said, vec![(ms(1900), PersonaAction::Say(0))]);
        run(&mut p, ms(2000), ms(3000), false, true);
        run(&mut p, ms(3000), ms(4000), true, false);
        let end = run(&mut p, ms(4000), ms(5000), false, false);
        assert_eq!(end, vec![(ms(4900), PersonaAction::HangUp)]);
        assert!(run(&mut p, ms(5000), ms(6000), false, false).is_empty(), "hangs up once");
    }

    #[test]
    fn a_scripted_caller_says_hello_first_then_one_line_per_agent_turn() {
        let lines = script(["Hi there.".to_owned(), "Call me tomorrow.".to_owned()]);
        assert_eq!(lines[0].cue, Cue::OnAnswer(ms(400)));
        assert_eq!(lines[1], Line { text: Cow::Borrowed("Call me tomorrow."), cue: Cue::AfterAgentTurn });
        let mut p = Persona::new(lines.into(), Ear::default(), ms(0));
        assert_eq!(run(&mut p, ms(0), ms(400), false, false), vec![(ms(400), PersonaAction::Say(0))]);
        run(&mut p, ms(400), ms(1000), false, true);
        run(&mut p, ms(1000), ms(2000), true, false);
        assert_eq!(run(&mut p, ms(2000), ms(3000), false, false), vec![(ms(2900), PersonaAction::Say(1))]);
    }

    #[test]
    fn gives_up_on_a_silent_agent() {
        let ear = Ear { patience: ms(2000), ..Ear::default() };
        let mut p = Persona::new(TALKER.into(), ear, ms(0));
        run(&mut p, ms(0), ms(400), false, false);
        run(&mut p, ms(400), ms(1000), false, true);
        assert_eq!(run(&mut p, ms(1000), ms(3100), false, false), vec![(ms(3020), PersonaAction::HangUp)]);
    }
}
