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
//! - An answered call may be transferred once at a time (`super::transfer`); a bridged call
//!   ends `transferred` whichever leg hangs up, and a call that ends drops the second leg.

use super::transfer::{Outcome, Reaction, TargetSignal, TransferFlow, TransferOrder, TransferStep};
use crate::leg::{CallCommand, CarrierControl, ReferProgress};
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::transfer::TransferMethod;
use serde_json::{Value, json};
use std::time::Duration;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;

/// The call's fixed limits.
#[derive(Clone, Debug)]
pub struct Limits {
    pub ring_timeout_secs: i64,
    pub max_duration_secs: i64,
    /// Wall-clock seconds per call-second (the sandbox's speed; 1 elsewhere).
    pub time_scale: f64,
    /// Live calls spend the wallet: only they are checked against it.
    pub live: bool,
    /// How the carrier hands a call over by itself (SIP REFER, Twilio redirect), if it can.
    pub refer: Option<TransferMethod>,
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
    /// The far end's answer to our REFER or redirect.
    Refer(ReferProgress),
    /// The transfer's second leg reports.
    Target(TargetSignal),
    /// The whisper to the target is playing and lasts this long.
    WhisperReady(Duration),
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
    /// Record a transfer step (an event, and the call's `transfer`).
    TransferStep(TransferStep),
    /// Carry out a transfer's order.
    Transfer(TransferOrder),
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
    transfer: Option<TransferFlow>,
}

impl CallControl {
    pub fn new(limits: Limits) -> Self {
        Self { limits, answered: false, talk_until: None, finished: false, transfer: None }
    }

    pub fn answered(&self) -> bool {
        self.answered
    }

    /// Whether the wallet should be watched now (an answered live call).
    pub fn watches_wallet(&self) -> bool {
        self.answered && self.limits.live && !self.finished
    }

    /// The transfer in progress, if any.
    pub fn transfer(&self) -> Option<&TransferFlow> {
        self.transfer.as_ref()
    }

    /// The next moment `tick` has something to do; none when nothing is timed.
    pub fn deadline(&self) -> Option<Duration> {
        let transfer = self.transfer.as_ref().and_then(TransferFlow::deadline).filter(|_| !self.finished);
        match (self.call_deadline(), transfer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn call_deadline(&self) -> Option<Duration> {
        match (self.finished, self.answered) {
            (true, _) => None,
            (false, false) => Some(self.scaled(self.limits.ring_timeout_secs)),
            (false, true) => self.talk_until.map(|(at, _)| at),
        }
    }

    /// Handles the time passing: a deadline reached ends the call.
    pub fn tick(&mut self, now: Duration) -> Vec<Output> {
        if let Some(reaction) = self.transfer.as_mut().map(|flow| flow.tick(now))
            && reaction != Reaction::default()
        {
            return self.react(reaction);
        }
        if self.call_deadline().is_none_or(|deadline| now < deadline) {
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
            Input::Command(command) => self.on_command(now, command),
            Input::WalletExhausted if self.answered => self.finish(EndReason::InsufficientFunds, "the wallet ran out"),
            Input::WalletExhausted => Vec::new(),
            Input::StepRefused => self.finish(EndReason::CarrierError, "the call was ended elsewhere"),
            Input::Refer(progress) => self.on_refer(now, progress),
            Input::Target(signal) => match self.transfer.as_mut() {
                Some(flow) => {
                    let reaction = flow.on_target(signal);
                    self.react(reaction)
                }
                None => Vec::new(),
            },
            Input::WhisperReady(length) => {
                if let Some(flow) = self.transfer.as_mut() {
                    flow.whisper_ready(now, length);
                }
                Vec::new()
            }
        }
    }

    fn on_refer(&mut self, now: Duration, progress: ReferProgress) -> Vec<Output> {
        let ring = self.scaled(self.limits.ring_timeout_secs);
        let method = self.limits.refer.unwrap_or(TransferMethod::Refer);
        match self.transfer.as_mut() {
            Some(flow) => {
                let reaction = flow.on_refer(now, ring, progress, method);
                self.react(reaction)
            }
            None => Vec::new(),
        }
    }

    /// Starts a transfer on an answered call with none in progress; anything else is ignored
    /// (the API refuses it before it gets here).
    fn start_transfer(&mut self, now: Duration, request: agentline_domain::transfer::TransferRequest) -> Vec<Output> {
        if !self.answered || self.transfer.is_some() {
            return Vec::new();
        }
        let ring = self.scaled(self.limits.ring_timeout_secs);
        let (flow, reaction) = TransferFlow::start(request, self.limits.refer, now, ring);
        self.transfer = Some(flow);
        self.react(reaction)
    }

    /// Turns a transfer's reaction into outputs, ending the call or the transfer as it says.
    fn react(&mut self, reaction: Reaction) -> Vec<Output> {
        let mut outputs: Vec<Output> = reaction.steps.into_iter().map(Output::TransferStep).collect();
        outputs.extend(reaction.orders.into_iter().map(|order| match order {
            TransferOrder::Refer { to, whisper } => Output::Control(CarrierControl::Refer { to, whisper }),
            order => Output::Transfer(order),
        }));
        match reaction.outcome {
            Outcome::Going => {}
            Outcome::Done => self.transfer = None,
            Outcome::Released(method) => {
                self.finished = true;
                let to = self.transfer.as_ref().map(|flow| flow.request().to.to_string()).unwrap_or_default();
                let by = if method == TransferMethod::Redirect { "the carrier's <Dial>" } else { "SIP REFER" };
                outputs.push(Output::Control(CarrierControl::Release));
                outputs
                    .push(Output::Finish { reason: EndReason::Transferred, detail: format!("handed to {to} by {by}") });
            }
            Outcome::TargetHungUp => outputs.extend(self.finish(EndReason::Transferred, "the transfer target hung up")),
        }
        outputs
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

    fn on_command(&mut self, now: Duration, command: CallCommand) -> Vec<Output> {
        match command {
            CallCommand::SendDtmf(digits) => vec![
                Output::Record("call.dtmf", json!({ "digits": digits, "direction": "sent" })),
                Output::Control(CarrierControl::SendDtmf(digits)),
            ],
            CallCommand::Transfer(request) => self.start_transfer(now, request),
            CallCommand::Hangup(reason, detail) => self.finish(reason, detail),
            CallCommand::Shutdown => self.finish(EndReason::ServerRestart, "the server shut down"),
            CallCommand::End => {
                let reason = if self.answered { EndReason::EndedByApi } else { EndReason::Canceled };
                self.finish(reason, "ended through the API")
            }
        }
    }

    /// The network ended it: nothing to tell the network but a transfer's second leg. A call
    /// bridged to its transfer target ends `transferred` whoever hangs up.
    fn ended_by_leg(&mut self, reason: EndReason, detail: impl Into<String>) -> Vec<Output> {
        self.finished = true;
        let mut outputs = self.drop_target();
        let (reason, detail) = match self.transfer.as_ref().is_some_and(TransferFlow::bridged) {
            true => (EndReason::Transferred, "the caller hung up after the transfer".to_owned()),
            false => (reason, detail.into()),
        };
        outputs.push(Output::Finish { reason, detail });
        outputs
    }

    /// We end it: cancel a ringing call, hang up an answered one (and a transfer's second leg).
    fn finish(&mut self, reason: EndReason, detail: impl Into<String>) -> Vec<Output> {
        self.finished = true;
        let control = if self.answered { CarrierControl::Hangup } else { CarrierControl::Cancel };
        let mut outputs = self.drop_target();
        outputs.extend([Output::Control(control), Output::Finish { reason, detail: detail.into() }]);
        outputs
    }

    fn drop_target(&self) -> Vec<Output> {
        let has_target = self.transfer.as_ref().is_some_and(TransferFlow::has_target);
        if has_target { vec![Output::Transfer(TransferOrder::DropTarget)] } else { Vec::new() }
    }

    fn scaled(&self, secs: i64) -> Duration {
        Duration::from_secs(u64::try_from(secs).unwrap_or(0)).div_f64(self.limits.time_scale)
    }
}
