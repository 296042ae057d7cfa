//! A live call's rules, as a sans-IO state machine: what the supervisor does with each carrier
//! signal, order and deadline. It takes inputs and the time (an offset from the call's start) as
//! arguments and answers with outputs; the supervisor performs them. No clocks, no channels, no
//! database: the rules are tested with scripted timelines (`control/tests.rs`).
//!
//! - The callee must answer within the ring timeout, else the call is canceled (`no_answer`).
//! - Once answered it may last `max_duration`, or less when a live wallet cannot pay that long
//!   (`insufficient_funds`); the supervisor also reports a wallet spent by other calls.
//! - An order to end (API, conversation, shutdown) cancels a ringing call and hangs up an
//!   answered one; the end reason says who ended it.
//! - A status step the store refuses means the call was ended elsewhere: hang up, `carrier_error`.
//! - Timers of the sandbox run at its speed (`time_scale`), so scripted outcomes keep their proportions.

use crate::leg::{CallCommand, CarrierControl};
use agentline_domain::call::{CallEvent, EndReason};
use serde_json::{Value, json};
use std::time::Duration;

#[cfg(test)]
mod tests;

/// The call's fixed limits.
#[derive(Clone, Debug)]
pub struct Limits {
    pub ring_timeout_secs: i64,
    pub max_duration_secs: i64,
    /// Wall-clock seconds per call-second (the sandbox's speed; 1 elsewhere).
    pub time_scale: f64,
    /// Live calls spend the wallet: only they are checked against it.
    pub live: bool,
}

/// How long an answered call may talk, and why it would stop then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TalkLimit {
    pub secs: i64,
    pub reason: EndReason,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Ringing,
    /// The callee answered; `media` when the call carries audio to hold a conversation on.
    Answered {
        media: bool,
        talk_limit: TalkLimit,
    },
    /// The callee pressed a key.
    Dtmf(char),
    /// The network ended the call.
    LegEnded {
        reason: EndReason,
        detail: String,
    },
    /// The carrier stopped reporting without saying why.
    LegGone,
    Command(CallCommand),
    /// The account's live calls together have spent its balance.
    WalletExhausted,
    /// The store refused a status step: the call already moved on elsewhere.
    StepRefused,
}

/// What the supervisor must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Record this lifecycle step.
    Step(CallEvent),
    /// Start the conversation on the answered call's audio.
    StartConversation,
    /// Record an activity event (`event_type`, payload) that changes no status.
    Record(&'static str, Value),
    /// Tell the network.
    Control(CarrierControl),
    /// The call is over: record its end with this reason and detail. Nothing follows.
    Finish { reason: EndReason, detail: String },
}

/// The supervisor's rules for one call.
#[derive(Debug)]
pub struct CallControl {
    limits: Limits,
    answered: bool,
    /// When the answered call must stop, and why.
    talk_until: Option<(Duration, TalkLimit)>,
    finished: bool,
}

impl CallControl {
    pub fn new(limits: Limits) -> Self {
        Self { limits, answered: false, talk_until: None, finished: false }
    }

    pub fn answered(&self) -> bool {
        self.answered
    }

    /// Whether the wallet should be watched now (an answered live call).
    pub fn watches_wallet(&self) -> bool {
        self.answered && self.limits.live && !self.finished
    }

    /// The next moment `tick` has something to do; none when nothing is timed.
    pub fn deadline(&self) -> Option<Duration> {
        match (self.finished, self.answered) {
            (true, _) => None,
            (false, false) => Some(self.scaled(self.limits.ring_timeout_secs)),
            (false, true) => self.talk_until.map(|(at, _)| at),
        }
    }

    /// Handles the time passing: a deadline reached ends the call.
    pub fn tick(&mut self, now: Duration) -> Vec<Output> {
        if self.deadline().is_none_or(|deadline| now < deadline) {
            return Vec::new();
        }
        match self.talk_until {
            Some((_, limit)) if self.answered => {
                let detail = match limit.reason {
                    EndReason::InsufficientFunds => "the wallet ran out".to_owned(),
                    _ => format!("reached max_duration of {} s", self.limits.max_duration_secs),
                };
                self.finish(limit.reason, detail)
            }
            _ => {
                let detail = format!("no answer within {} s; canceled", self.limits.ring_timeout_secs);
                self.finish(EndReason::NoAnswer, detail)
            }
        }
    }

    /// Handles one input at `now`.
    pub fn on(&mut self, now: Duration, input: Input) -> Vec<Output> {
        if self.finished {
            return Vec::new();
        }
        match input {
            Input::Ringing => vec![Output::Step(CallEvent::Ringing)],
            Input::Answered { media, talk_limit } => self.on_answer(now, media, talk_limit),
            Input::Dtmf(digit) => {
                vec![Output::Record("call.dtmf", json!({ "digit": digit.to_string(), "direction": "received" }))]
            }
            Input::LegEnded { reason, detail } => self.ended_by_leg(reason, detail),
            Input::LegGone => self.ended_by_leg(EndReason::CarrierError, "the carrier stopped reporting on the call"),
            Input::Command(command) => self.on_command(command),
            Input::WalletExhausted if self.answered => self.finish(EndReason::InsufficientFunds, "the wallet ran out"),
            Input::WalletExhausted => Vec::new(),
            Input::StepRefused => self.finish(EndReason::CarrierError, "the call was ended elsewhere"),
        }
    }

    fn on_answer(&mut self, now: Duration, media: bool, talk_limit: TalkLimit) -> Vec<Output> {
        if self.answered {
            return Vec::new();
        }
        self.answered = true;
        self.talk_until = Some((now + self.scaled(talk_limit.secs), talk_limit));
        let mut outputs = vec![Output::Step(CallEvent::Answered), Output::Step(CallEvent::Connected)];
        if media {
            outputs.push(Output::StartConversation);
        }
        outputs
    }

    fn on_command(&mut self, command: CallCommand) -> Vec<Output> {
        match command {
            CallCommand::SendDtmf(digits) => vec![
                Output::Record("call.dtmf", json!({ "digits": digits, "direction": "sent" })),
                Output::Control(CarrierControl::SendDtmf(digits)),
            ],
            CallCommand::Hangup(reason, detail) => self.finish(reason, detail),
            CallCommand::Shutdown => self.finish(EndReason::ServerRestart, "the server shut down"),
            CallCommand::End => {
                let reason = if self.answered { EndReason::EndedByApi } else { EndReason::Canceled };
                self.finish(reason, "ended through the API")
            }
        }
    }

    /// The network ended it: nothing to tell the network.
    fn ended_by_leg(&mut self, reason: EndReason, detail: impl Into<String>) -> Vec<Output> {
        self.finished = true;
        vec![Output::Finish { reason, detail: detail.into() }]
    }

    /// We end it: cancel a ringing call, hang up an answered one.
    fn finish(&mut self, reason: EndReason, detail: impl Into<String>) -> Vec<Output> {
        self.finished = true;
        let control = if self.answered { CarrierControl::Hangup } else { CarrierControl::Cancel };
        vec![Output::Control(control), Output::Finish { reason, detail: detail.into() }]
    }

    fn scaled(&self, secs: i64) -> Duration {
        Duration::from_secs(u64::try_from(secs).unwrap_or(0)).div_f64(self.limits.time_scale)
    }
}
