//! Whose turn it is. A state machine fed one tick per 20 ms frame (is the caller speaking? is
//! agent audio going out?) plus the reply pipeline's progress, returning what to do.
//!
//! Rules, each against a failure users of voice-agent frameworks report:
//! - after answer the agent waits: if the callee says "Hello?" the greeting follows their last
//!   word, and only if they stay silent for `answer_grace` does the agent speak first;
//! - a caller turn ends after `endpoint_silence` without speech; shorter bursts than
//!   `min_turn_speech` (a cough, a click) are dropped rather than answered;
//! - with drafts on, a pause of `draft_after` asks for a transcript of the words so far; when
//!   the driver reports them a finished sentence ([`crate::endpoint::finished_sentence`]) the
//!   turn ends after only `finished_silence`, so a caller who is done waits less, and one who
//!   paused mid-sentence ("I'd like to book…") still has the full `endpoint_silence`;
//! - while the agent replies, only `barge_in_speech` of continuous caller speech interrupts it,
//!   so backchannels ("mhm") and noises don't cut the agent off;
//! - a reply that produces no audio for `watchdog` is abandoned, so the agent never sits in
//!   "speaking" without sound;
//! - a silent caller is reminded after `reminder_after` and hung up on after `hangup_after`.

use std::time::Duration;

/// Turn-taking settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnConfig {
    /// Continuous speech that opens a caller utterance.
    pub start_speech: Duration,
    /// Silence after speech that ends the caller's turn.
    pub endpoint_silence: Duration,
    /// Speech an utterance needs to count as a turn.
    pub min_turn_speech: Duration,
    /// Caller speech (voiced time within one utterance) that interrupts the agent.
    pub barge_in_speech: Duration,
    /// How long after answer a silent callee waits before the agent greets.
    pub answer_grace: Duration,
    /// A reply with no audio going out for this long is abandoned.
    pub watchdog: Duration,
    /// Caller silence after which the agent checks in (none = never).
    pub reminder_after: Option<Duration>,
    /// Caller silence after which the agent hangs up (none = never).
    pub hangup_after: Option<Duration>,
    /// Silence after which the words so far are transcribed as a draft (none = no drafts).
    pub draft_after: Option<Duration>,
    /// Silence that ends the turn once a draft of everything said is a finished sentence.
    pub finished_silence: Duration,
}

impl Default for TurnConfig {
    fn default() -> Self {
        Self {
            start_speech: Duration::from_millis(60),
            endpoint_silence: Duration::from_millis(700),
            min_turn_speech: Duration::from_millis(200),
            barge_in_speech: Duration::from_millis(300),
            answer_grace: Duration::from_millis(1200),
            watchdog: Duration::from_secs(8),
            reminder_after: Some(Duration::from_secs(10)),
            hangup_after: Some(Duration::from_secs(25)),
            draft_after: None,
            finished_silence: Duration::from_millis(300),
        }
    }
}

/// What the driver must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The caller started speaking at `at` (before this tick, by the speech it took to be sure):
    /// start feeding a recogniser, including audio since `at`.
    UtteranceStarted { at: Duration },
    /// The open utterance was noise or a backchannel: drop it.
    UtteranceDiscarded,
    /// The caller paused (drafts on): transcribe their words up to `speech_end` and report with
    /// [`TurnTaker::draft_heard`] whether they finished a sentence.
    Pause { speech_end: Duration },
    /// The caller's turn is over: transcribe it and reply. `speech_end` is their last voiced
    /// frame's end, `decided` is now; the gap is the endpointing wait.
    TurnEnded { speech_start: Duration, speech_end: Duration, decided: Duration },
    /// The callee has had their first say (or stayed silent): speak the first message.
    Greet,
    /// The caller talks over the agent: flush its audio and cancel the reply now.
    BargeIn { at: Duration },
    /// The reply produced no audio for the watchdog's time: cancel it.
    ReplyStalled,
    /// The caller has been silent for `reminder_after`: check in.
    Remind,
    /// The caller has been silent for `hangup_after`: end the call.
    HangUpSilence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Just answered; the agent has not spoken.
    Answered { at: Duration },
    /// The agent is silent and waits for the caller.
    Listening,
    /// A reply is on its way or playing; `progress` is the last time audio went out (or it began).
    Replying { progress: Duration },
}

#[derive(Clone, Copy, Debug)]
struct Utterance {
    start: Duration,
    last_speech: Duration,
    voiced: Duration,
    /// A draft was asked for in the current pause.
    drafted: bool,
    /// The end of speech a draft found to be a finished sentence.
    finished: Option<Duration>,
}

impl Utterance {
    fn new(start: Duration, now: Duration, voiced: Duration) -> Self {
        Self { start, last_speech: now, voiced, drafted: false, finished: None }
    }
}

/// The turn-taking state machine; see the module docs for its rules.
#[derive(Debug)]
pub struct TurnTaker {
    config: TurnConfig,
    phase: Phase,
    speech_run: Duration,
    utterance: Option<Utterance>,
    /// Since when the caller has been silent (reset by their speech and by the agent's turns).
    quiet_since: Duration,
    reminded: bool,
}

impl TurnTaker {
    /// A machine for a call answered at `answered_at`.
    pub fn new(config: TurnConfig, answered_at: Duration) -> Self {
        Self {
            config,
            phase: Phase::Answered { at: answered_at },
            speech_run: Duration::ZERO,
            utterance: None,
            quiet_since: answered_at,
            reminded: false,
        }
    }

    /// Whether a reply is under way (thinking or speaking).
    pub fn replying(&self) -> bool {
        matches!(self.phase, Phase::Replying { .. })
    }

    /// One 20 ms frame at `now` (its end): whether the caller spoke in it and whether agent
    /// audio went out in it.
    pub fn tick(&mut self, now: Duration, caller_speech: bool, agent_audio: bool) -> Vec<Action> {
        let mut actions = Vec::new();
        if let Phase::Replying { progress } = &mut self.phase
            && agent_audio
        {
            *progress = now;
        }
        self.track_speech(now, caller_speech, &mut actions);
        self.end_utterance_if_done(now, &mut actions);
        self.check_timers(now, &mut actions);
        actions
    }

    /// A draft of the caller's words up to `speech_end` came back: `finished` when they form a
    /// finished sentence. Stale drafts (the caller spoke again since) change nothing.
    pub fn draft_heard(&mut self, speech_end: Duration, finished: bool) {
        if let Some(utterance) = &mut self.utterance
            && utterance.last_speech == speech_end
            && finished
        {
            utterance.finished = Some(speech_end);
        }
    }

    /// The driver began a reply that was not triggered by [`Action::TurnEnded`] or
    /// [`Action::Greet`] (e.g. a reminder or goodbye it decided on).
    pub fn reply_started(&mut self, now: Duration) {
        self.phase = Phase::Replying { progress: now };
    }

    /// Every sample of the reply has been played: the floor is the caller's. Silence is
    /// counted from here, except after a reminder, which does not restart the count.
    pub fn reply_played(&mut self, now: Duration) {
        if self.replying() {
            self.phase = Phase::Listening;
            if !self.reminded {
                self.quiet_since = now;
            }
        }
    }

    fn track_speech(&mut self, now: Duration, caller_speech: bool, actions: &mut Vec<Action>) {
        if !caller_speech {
            self.speech_run = Duration::ZERO;
            return;
        }
        self.speech_run += crate::FRAME;
        self.quiet_since = now;
        self.reminded = false;
        if let Some(utterance) = &mut self.utterance {
            utterance.last_speech = now;
            utterance.voiced += crate::FRAME;
            utterance.drafted = false;
        } else if self.speech_run >= self.config.start_speech {
            let start = now.saturating_sub(self.speech_run);
            self.utterance = Some(Utterance::new(start, now, self.speech_run));
            actions.push(Action::UtteranceStarted { at: start });
        }
        // Voiced time across the utterance, not one unbroken run: speech dips between syllables.
        let voiced = self.utterance.map_or(Duration::ZERO, |u| u.voiced);
        if self.replying() && voiced >= self.config.barge_in_speech {
            self.phase = Phase::Listening;
            actions.push(Action::BargeIn { at: now });
        }
    }

    fn end_utterance_if_done(&mut self, now: Duration, actions: &mut Vec<Action>) {
        self.ask_for_draft(now, actions);
        let Some(utterance) = self.utterance else { return };
        let needed = match utterance.finished {
            Some(end) if end == utterance.last_speech => self.config.finished_silence,
            _ => self.config.endpoint_silence,
        };
        if now.saturating_sub(utterance.last_speech) < needed {
            return;
        }
        self.utterance = None;
        // Speech under the agent that did not interrupt it (a backchannel) is not a turn either.
        if utterance.voiced < self.config.min_turn_speech || self.replying() {
            actions.push(Action::UtteranceDiscarded);
            return;
        }
        self.begin_reply(now);
        actions.push(Action::TurnEnded {
            speech_start: utterance.start,
            speech_end: utterance.last_speech,
            decided: now,
        });
    }

    /// Once per pause of `draft_after`, in a turn long enough to be answered.
    fn ask_for_draft(&mut self, now: Duration, actions: &mut Vec<Action>) {
        let (Some(after), false) = (self.config.draft_after, self.replying()) else { return };
        let Some(utterance) = &mut self.utterance else { return };
        if !utterance.drafted
            && utterance.voiced >= self.config.min_turn_speech
            && now.saturating_sub(utterance.last_speech) >= after
        {
            utterance.drafted = true;
            actions.push(Action::Pause { speech_end: utterance.last_speech });
        }
    }

    fn check_timers(&mut self, now: Duration, actions: &mut Vec<Action>) {
        match self.phase {
            Phase::Answered { at }
                if self.utterance.is_none() && now.saturating_sub(at) >= self.config.answer_grace =>
            {
                self.begin_reply(now);
                actions.push(Action::Greet);
            }
            Phase::Replying { progress } if now.saturating_sub(progress) >= self.config.watchdog => {
                self.phase = Phase::Listening;
                self.quiet_since = now;
                actions.push(Action::ReplyStalled);
            }
            Phase::Listening if self.utterance.is_none() => self.check_silence(now, actions),
            _ => {}
        }
    }

    fn check_silence(&mut self, now: Duration, actions: &mut Vec<Action>) {
        let quiet = now.saturating_sub(self.quiet_since);
        if self.config.hangup_after.is_some_and(|limit| quiet >= limit) {
            self.config.hangup_after = None;
            actions.push(Action::HangUpSilence);
        } else if !self.reminded && self.config.reminder_after.is_some_and(|limit| quiet >= limit) {
            self.reminded = true;
            self.begin_reply(now);
            actions.push(Action::Remind);
        }
    }

    fn begin_reply(&mut self, now: Duration) {
        self.phase = Phase::Replying { progress: now };
    }
}

#[cfg(test)]
mod tests;
