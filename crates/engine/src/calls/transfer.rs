//! A transfer's rules, as a sans-IO state machine owned by the call's [`super::CallControl`]:
//! ask the far end to REFER (or Twilio to `<Dial>`) where it can, else dial the target as a
//! second leg; whisper to the target on warm transfers; bridge the caller in; or, when the
//! target does not take the call, give it back to the agent. Time is an argument, as in the
//! call's own control.

use crate::leg::ReferProgress;
use agentline_domain::call::EndReason;
use agentline_domain::transfer::{TransferFailure, TransferMethod, TransferMode, TransferRequest};
use std::time::Duration;

/// Time left after the whisper's audio before the caller is bridged in.
const AFTER_WHISPER: Duration = Duration::from_millis(400);
/// How long past the ring time a far end that accepted our REFER may take to report the referred
/// call's outcome; past it, the agent takes the call back rather than leave the caller on hold.
const REFER_GRACE: Duration = Duration::from_secs(10);

/// What the second leg (the transfer's target) reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSignal {
    Ringing,
    Answered,
    Ended { reason: EndReason, detail: String },
}

/// A transfer's steps, recorded as events on the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferStep {
    Started,
    /// The referred or dialled call's progress (a SIP status code).
    Progress(u16),
    Connected(TransferMethod),
    Failed(TransferFailure, String),
}

/// What the supervisor must do for a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferOrder {
    /// The agent tells the caller to hold and stops answering.
    Hold,
    /// Ask the far end to call the target itself (SIP REFER, Twilio `<Dial>`).
    Refer { to: String, whisper: Option<String> },
    /// Place the second leg to this number.
    DialTarget(String),
    /// Say this to the target on the second leg; report its length (`Input::WhisperReady`).
    Whisper(String),
    /// The agent leaves; the two legs' audio is connected.
    Bridge,
    /// Cancel or hang up the second leg.
    DropTarget,
    /// The agent takes the call back and says why.
    TakeBack(TransferFailure),
}

/// Where a transfer is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Referring { until: Duration },
    Dialing { ring_until: Duration },
    Whispering { until: Option<Duration> },
    Bridged,
}

/// One transfer in progress.
#[derive(Debug)]
pub struct TransferFlow {
    request: TransferRequest,
    phase: Phase,
}

/// What the flow answers: steps to record, orders to carry out, and whether the transfer is
/// over (`Done`), still going, or ended the call (`EndCall`).
#[derive(Debug, Default, PartialEq)]
pub struct Reaction {
    pub steps: Vec<TransferStep>,
    pub orders: Vec<TransferOrder>,
    pub outcome: Outcome,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    #[default]
    Going,
    /// Failed; the agent has the call again.
    Done,
    /// The caller is with the target by REFER or redirect: our leg lets go.
    Released(TransferMethod),
    /// The bridged target hung up: the call ends.
    TargetHungUp,
}

impl TransferFlow {
    /// Starts `request` at `now`: by REFER/redirect when the carrier takes one (`refer`) and the
    /// transfer is blind, else by dialling the target.
    pub fn start(
        request: TransferRequest,
        refer: Option<TransferMethod>,
        now: Duration,
        ring: Duration,
    ) -> (Self, Reaction) {
        let mut reaction =
            Reaction { steps: vec![TransferStep::Started], orders: vec![TransferOrder::Hold], ..Reaction::default() };
        let by_refer =
            refer.is_some() && (request.mode == TransferMode::Blind || refer == Some(TransferMethod::Redirect));
        let phase = if by_refer {
            let (to, whisper) = (request.to.as_str().to_owned(), request.whisper.clone());
            reaction.orders.push(TransferOrder::Refer { to, whisper });
            Phase::Referring { until: now + ring + REFER_GRACE }
        } else {
            reaction.orders.push(TransferOrder::DialTarget(request.to.as_str().to_owned()));
            Phase::Dialing { ring_until: now + ring }
        };
        (Self { request, phase }, reaction)
    }

    pub fn request(&self) -> &TransferRequest {
        &self.request
    }

    /// Whether a second leg is up or being dialled (it must be dropped if the call ends).
    pub fn has_target(&self) -> bool {
        !matches!(self.phase, Phase::Referring { .. })
    }

    pub fn bridged(&self) -> bool {
        self.phase == Phase::Bridged
    }

    /// The next moment `tick` has something to do.
    pub fn deadline(&self) -> Option<Duration> {
        match self.phase {
            Phase::Dialing { ring_until: until } | Phase::Referring { until } => Some(until),
            Phase::Whispering { until } => until,
            Phase::Bridged => None,
        }
    }

    pub fn tick(&mut self, now: Duration) -> Reaction {
        if self.deadline().is_none_or(|deadline| now < deadline) {
            return Reaction::default();
        }
        match self.phase {
            Phase::Dialing { .. } => {
                let mut reaction = fail(TransferFailure::NoAnswer, "the target did not answer in time");
                reaction.orders.insert(0, TransferOrder::DropTarget);
                reaction
            }
            Phase::Referring { .. } => {
                fail(TransferFailure::NoAnswer, "the far end never said how the referred call went")
            }
            _ => self.bridge(),
        }
    }

    /// The far end's answer to our REFER: success releases the call; a refusal falls back to
    /// dialling the target ourselves.
    pub fn on_refer(
        &mut self,
        now: Duration,
        ring: Duration,
        progress: ReferProgress,
        method: TransferMethod,
    ) -> Reaction {
        if !matches!(self.phase, Phase::Referring { .. }) {
            return Reaction::default();
        }
        match progress {
            ReferProgress::Status(code) if code < 200 => steps(vec![TransferStep::Progress(code)]),
            ReferProgress::Status(code) if code < 300 => Reaction {
                steps: vec![TransferStep::Progress(code), TransferStep::Connected(method)],
                orders: Vec::new(),
                outcome: Outcome::Released(method),
            },
            ReferProgress::Status(code) => {
                let failure = match code {
                    486 | 600 => TransferFailure::Busy,
                    408 | 480 | 487 => TransferFailure::NoAnswer,
                    _ => TransferFailure::Refused,
                };
                fail(failure, &format!("the referred call failed: SIP {code}"))
            }
            ReferProgress::Refused(_) => {
                self.phase = Phase::Dialing { ring_until: now + ring };
                let orders = vec![TransferOrder::DialTarget(self.request.to.as_str().to_owned())];
                Reaction { orders, ..Reaction::default() }
            }
        }
    }

    /// What the second leg reports.
    pub fn on_target(&mut self, signal: TargetSignal) -> Reaction {
        match (&self.phase, signal) {
            (Phase::Dialing { .. }, TargetSignal::Ringing) => steps(vec![TransferStep::Progress(180)]),
            (Phase::Dialing { .. }, TargetSignal::Answered) => match self.request.whisper.clone() {
                Some(whisper) if self.request.mode == TransferMode::Warm => {
                    self.phase = Phase::Whispering { until: None };
                    let mut reaction = steps(vec![TransferStep::Progress(200)]);
                    reaction.orders.push(TransferOrder::Whisper(whisper));
                    reaction
                }
                _ => self.bridge(),
            },
            (Phase::Bridged, TargetSignal::Ended { .. }) => {
                Reaction { outcome: Outcome::TargetHungUp, ..Reaction::default() }
            }
            (Phase::Dialing { .. } | Phase::Whispering { .. }, TargetSignal::Ended { reason, detail }) => {
                fail(TransferFailure::from_end(reason), &detail)
            }
            _ => Reaction::default(),
        }
    }

    /// The whisper's audio lasts `length` from `now`; the caller is bridged in after it.
    pub fn whisper_ready(&mut self, now: Duration, length: Duration) {
        if let Phase::Whispering { until } = &mut self.phase {
            *until = Some(now + length + AFTER_WHISPER);
        }
    }

    fn bridge(&mut self) -> Reaction {
        self.phase = Phase::Bridged;
        Reaction {
            steps: vec![TransferStep::Connected(TransferMethod::Bridge)],
            orders: vec![TransferOrder::Bridge],
            outcome: Outcome::Going,
        }
    }
}

fn steps(steps: Vec<TransferStep>) -> Reaction {
    Reaction { steps, ..Reaction::default() }
}

fn fail(failure: TransferFailure, detail: &str) -> Reaction {
    Reaction {
        steps: vec![TransferStep::Failed(failure, detail.to_owned())],
        orders: vec![TransferOrder::TakeBack(failure)],
        outcome: Outcome::Done,
    }
}
