//! Scripted timelines: segments of caller speech / agent audio, 20 ms per frame.

use super::*;

const FRAME: Duration = crate::FRAME;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Drives a machine through time and keeps every action with the tick it came on.
struct Timeline {
    turns: TurnTaker,
    now: Duration,
    log: Vec<(Duration, Action)>,
}

impl Timeline {
    fn new(config: TurnConfig) -> Self {
        Self { turns: TurnTaker::new(config, Duration::ZERO), now: Duration::ZERO, log: Vec::new() }
    }

    /// Runs `length` of frames with the caller speaking or not and agent audio or not.
    fn run(&mut self, length: Duration, caller: bool, agent: bool) -> &mut Self {
        let end = self.now + length;
        while self.now < end {
            self.now += FRAME;
            for action in self.turns.tick(self.now, caller, agent) {
                self.log.push((self.now, action));
            }
        }
        self
    }

    fn caller(&mut self, length: u64) -> &mut Self {
        self.run(ms(length), true, false)
    }

    fn silence(&mut self, length: u64) -> &mut Self {
        self.run(ms(length), false, false)
    }

    fn agent(&mut self, length: u64) -> &mut Self {
        self.run(ms(length), false, true)
    }

    fn both(&mut self, length: u64) -> &mut Self {
        self.run(ms(length), true, true)
    }

    fn played(&mut self) -> &mut Self {
        self.turns.reply_played(self.now);
        self
    }

    fn actions(&self) -> Vec<Action> {
        self.log.iter().map(|(_, a)| *a).collect()
    }

    fn when(&self, wanted: fn(&Action) -> bool) -> Option<Duration> {
        self.log.iter().find(|(_, a)| wanted(a)).map(|(t, _)| *t)
    }
}

fn quiet_config() -> TurnConfig {
    TurnConfig { reminder_after: None, hangup_after: None, ..TurnConfig::default() }
}

#[test]
fn a_silent_callee_is_greeted_after_the_grace_period() {
    let mut t = Timeline::new(quiet_config());
    t.silence(1100);
    assert!(t.actions().is_empty());
    t.silence(200);
    assert_eq!(t.actions(), vec![Action::Greet]);
    assert_eq!(t.when(|a| *a == Action::Greet), Some(ms(1200)));
}

#[test]
fn the_agent_does_not_talk_over_the_callees_first_words() {
    let mut t = Timeline::new(quiet_config());
    // "Hello, this is Sam speaking." starting 300 ms after answer and running 1.8 s.
    t.silence(300).caller(1800).silence(1000);
    assert!(!t.actions().contains(&Action::Greet), "greeting must wait for the turn end: {:?}", t.actions());
    let ended = t.when(|a| matches!(a, Action::TurnEnded { .. })).expect("the hello is a turn");
    assert_eq!(ended, ms(300 + 1800 + 700));
    match t.log.iter().find(|(_, a)| matches!(a, Action::TurnEnded { .. })).unwrap().1 {
        Action::TurnEnded { speech_start, speech_end, decided } => {
            assert_eq!(speech_start, ms(300));
            assert_eq!(speech_end, ms(2100));
            assert_eq!(decided - speech_end, ms(700));
        }
        _ => unreachable!(),
    }
}

#[test]
fn short_noises_are_not_turns() {
    let mut t = Timeline::new(quiet_config());
    t.silence(100).caller(100).silence(800);
    let actions = t.actions();
    assert!(matches!(actions[0], Action::UtteranceStarted { .. }));
    assert_eq!(actions[1], Action::UtteranceDiscarded);
    assert!(!actions.iter().any(|a| matches!(a, Action::TurnEnded { .. })));
}

#[test]
fn a_single_voiced_frame_opens_nothing() {
    let mut t = Timeline::new(quiet_config());
    t.caller(40).silence(60).caller(20).silence(600);
    assert!(t.actions().is_empty(), "{:?}", t.actions());
}

#[test]
fn the_caller_interrupting_the_agent_barges_in_once_sure() {
    let mut t = Timeline::new(quiet_config());
    t.silence(1200); // greeted
    t.agent(1000).both(280);
    assert!(!t.actions().iter().any(|a| matches!(a, Action::BargeIn { .. })), "not yet: {:?}", t.actions());
    t.both(20);
    let at = t.when(|a| matches!(a, Action::BargeIn { .. })).expect("barge-in");
    assert_eq!(at, ms(1200 + 1000 + 300));
    // The interrupting speech then ends as an ordinary turn.
    t.caller(1000).silence(700);
    assert!(t.actions().iter().any(|a| matches!(a, Action::TurnEnded { .. })));
}

#[test]
fn a_cough_over_the_agent_does_not_interrupt_and_is_not_a_turn() {
    let mut t = Timeline::new(quiet_config());
    t.silence(1200).agent(500).both(200).agent(1000);
    let actions = t.actions();
    assert!(!actions.iter().any(|a| matches!(a, Action::BargeIn { .. } | Action::TurnEnded { .. })), "{actions:?}");
    assert!(actions.contains(&Action::UtteranceDiscarded));
}

#[test]
fn speech_while_the_agent_is_still_thinking_cancels_the_reply() {
    let mut t = Timeline::new(quiet_config());
    t.silence(300).caller(1000).silence(700); // turn ended: the agent is thinking, no audio yet
    t.caller(300);
    assert!(t.actions().iter().any(|a| matches!(a, Action::BargeIn { .. })));
}

#[test]
fn a_reply_without_audio_is_abandoned_by_the_watchdog() {
    let config = TurnConfig { watchdog: ms(3000), ..quiet_config() };
    let mut t = Timeline::new(config);
    t.silence(1200); // greet
    t.silence(2980);
    assert!(!t.actions().contains(&Action::ReplyStalled));
    t.silence(20);
    assert_eq!(t.when(|a| *a == Action::ReplyStalled), Some(ms(4200)));
    assert!(!t.turns.replying());
}

#[test]
fn audio_going_out_keeps_the_watchdog_quiet() {
    let config = TurnConfig { watchdog: ms(1000), ..quiet_config() };
    let mut t = Timeline::new(config);
    t.silence(1200).agent(5000);
    assert!(!t.actions().contains(&Action::ReplyStalled));
}

#[test]
fn a_silent_caller_is_reminded_then_hung_up_on() {
    let config = TurnConfig { reminder_after: Some(ms(3000)), hangup_after: Some(ms(6000)), ..TurnConfig::default() };
    let mut t = Timeline::new(config);
    t.silence(1200).agent(1000).played(); // greeting played at 2.2 s
    t.silence(3000);
    assert_eq!(t.when(|a| *a == Action::Remind), Some(ms(5200)));
    t.agent(1000).played(); // the reminder does not restart the silence count
    t.silence(2000);
    assert_eq!(t.when(|a| *a == Action::HangUpSilence), Some(ms(8200)));
    assert_eq!(t.actions().iter().filter(|a| **a == Action::HangUpSilence).count(), 1);
}

#[test]
fn speaking_resets_the_silence_count() {
    let config = TurnConfig { reminder_after: Some(ms(3000)), hangup_after: Some(ms(6000)), ..TurnConfig::default() };
    let mut t = Timeline::new(config);
    t.silence(1200).agent(500).played();
    t.silence(2500).caller(500).silence(700); // turn ends, agent replies
    t.agent(500).played().silence(2900);
    assert!(!t.actions().contains(&Action::Remind), "{:?}", t.actions());
}

#[test]
fn the_utterance_start_includes_the_speech_it_took_to_be_sure() {
    let mut t = Timeline::new(quiet_config());
    t.silence(400).caller(60);
    assert_eq!(t.actions(), vec![Action::UtteranceStarted { at: ms(400) }]);
}

fn drafting_config() -> TurnConfig {
    TurnConfig { draft_after: Some(ms(200)), finished_silence: ms(300), ..quiet_config() }
}

fn turn_end(t: &Timeline) -> Option<Duration> {
    t.when(|a| matches!(a, Action::TurnEnded { .. }))
}

#[test]
fn a_pause_asks_for_one_draft_of_the_words_so_far() {
    let mut t = Timeline::new(drafting_config());
    t.silence(300).caller(1000).silence(180);
    assert!(!t.actions().iter().any(|a| matches!(a, Action::Pause { .. })));
    t.silence(20);
    assert_eq!(t.when(|a| matches!(a, Action::Pause { .. })), Some(ms(1500)));
    assert!(t.actions().contains(&Action::Pause { speech_end: ms(1300) }));
    t.silence(500);
    assert_eq!(t.actions().iter().filter(|a| matches!(a, Action::Pause { .. })).count(), 1);
    assert_eq!(turn_end(&t), Some(ms(2000)), "no draft answered: the full endpoint silence");
}

#[test]
fn a_finished_sentence_ends_the_turn_after_the_short_silence() {
    let mut t = Timeline::new(drafting_config());
    t.silence(300).caller(1000).silence(240);
    t.turns.draft_heard(ms(1300), true);
    t.silence(100);
    assert_eq!(turn_end(&t), Some(ms(1600)));
}

#[test]
fn a_draft_that_arrives_late_ends_the_turn_at_once() {
    let mut t = Timeline::new(drafting_config());
    t.silence(300).caller(1000).silence(500);
    t.turns.draft_heard(ms(1300), true);
    t.silence(20);
    assert_eq!(turn_end(&t), Some(ms(1820)));
}

#[test]
fn an_unfinished_sentence_waits_the_full_silence() {
    let mut t = Timeline::new(drafting_config());
    t.silence(300).caller(1000).silence(240);
    t.turns.draft_heard(ms(1300), false);
    t.silence(600);
    assert_eq!(turn_end(&t), Some(ms(2000)));
}

#[test]
fn a_stale_draft_changes_nothing_and_speech_asks_for_a_new_one() {
    let mut t = Timeline::new(drafting_config());
    t.silence(300).caller(1000).silence(240).caller(500);
    t.turns.draft_heard(ms(1300), true); // covers only the first part
    t.silence(400);
    assert_eq!(turn_end(&t), None, "the second part has no finished draft yet");
    assert!(t.actions().contains(&Action::Pause { speech_end: ms(2040) }));
    t.silence(300);
    assert_eq!(turn_end(&t), Some(ms(2740)));
}

#[test]
fn no_drafts_while_the_agent_speaks_or_for_short_noises() {
    let mut t = Timeline::new(drafting_config());
    t.silence(100).caller(100).silence(800);
    t.silence(400).agent(500).both(200).agent(1000);
    assert!(!t.actions().iter().any(|a| matches!(a, Action::Pause { .. })), "{:?}", t.actions());
}
