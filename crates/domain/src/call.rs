//! A call's lifecycle: statuses, end reasons, and the one function allowed to move between them.
//!
//! ```text
//! queued ─► initiated ─► ringing ─► answered ─► in_progress ─► completed
//!   │           │           │           │            │
//!   └───────────┴───────────┴─► canceled | busy | no_answer | failed
//! ```
//! A [`Transition`] can only be made by [`CallStatus::apply`], so code that persists status
//! changes cannot write an illegal one.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Where a call is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// Accepted, waiting for a free concurrency slot or its `start_at`.
    Queued,
    /// Handed to the carrier; dialling.
    Initiated,
    Ringing,
    Answered,
    /// Media is flowing and the agent is on the line.
    InProgress,
    Completed,
    Failed,
    NoAnswer,
    Busy,
    Canceled,
}

/// Why a call ended. A small, stable set: integrations switch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The person called hung up.
    CallerHangup,
    /// The agent ended the call (its script or an `end_call` tool).
    AgentHangup,
    /// `POST /v1/calls/{id}/end` after the call was answered.
    EndedByApi,
    MaxDuration,
    SilenceTimeout,
    /// An answering machine or voicemail picked up.
    Voicemail,
    Busy,
    NoAnswer,
    /// The far end declined the call.
    Rejected,
    CarrierError,
    /// Ended before it was answered, by the API.
    Canceled,
    /// The wallet could not pay for the call (or for more of it).
    InsufficientFunds,
    /// The process running the call stopped; the call was reconciled at start-up.
    ServerRestart,
    /// The agent handed the call to a person (`POST /v1/calls/{id}/transfer` or its
    /// `transfer_call` tool): agentline's part ended by REFER or redirect, or the bridged legs hung up.
    Transferred,
}

/// What happened to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEvent {
    Dispatched,
    Ringing,
    Answered,
    /// Media and the agent are connected.
    Connected,
    Ended(EndReason),
}

/// A legal move from one status to another; only [`CallStatus::apply`] makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    from: CallStatus,
    to: CallStatus,
    end_reason: Option<EndReason>,
}

impl Transition {
    pub fn from(&self) -> CallStatus {
        self.from
    }
    pub fn to(&self) -> CallStatus {
        self.to
    }
    pub fn end_reason(&self) -> Option<EndReason> {
        self.end_reason
    }
}

/// An event that cannot happen in the call's current status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a call that is {from} cannot take the event {event:?}")]
pub struct IllegalTransition {
    pub from: CallStatus,
    pub event: CallEvent,
}

impl CallStatus {
    pub const ALL: [Self; 10] = [
        Self::Queued,
        Self::Initiated,
        Self::Ringing,
        Self::Answered,
        Self::InProgress,
        Self::Completed,
        Self::Failed,
        Self::NoAnswer,
        Self::Busy,
        Self::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::NoAnswer | Self::Busy | Self::Canceled)
    }

    /// Holding a concurrency slot: dialled and not yet ended.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Initiated | Self::Ringing | Self::Answered | Self::InProgress)
    }

    /// Someone picked up.
    pub fn was_answered(self) -> bool {
        matches!(self, Self::Answered | Self::InProgress)
    }

    /// The status `event` moves this call to, if it may happen now.
    pub fn apply(self, event: CallEvent) -> Result<Transition, IllegalTransition> {
        use CallStatus as S;
        let to = match (self, event) {
            (S::Queued, CallEvent::Dispatched) => S::Initiated,
            (S::Initiated, CallEvent::Ringing) => S::Ringing,
            (S::Initiated | S::Ringing, CallEvent::Answered) => S::Answered,
            (S::Answered, CallEvent::Connected) => S::InProgress,
            (from, CallEvent::Ended(reason)) if !from.is_terminal() => Self::terminal_for(from, reason),
            _ => return Err(IllegalTransition { from: self, event }),
        };
        let end_reason = match event {
            CallEvent::Ended(reason) => Some(reason),
            _ => None,
        };
        Ok(Transition { from: self, to, end_reason })
    }

    /// An answered call always completes (its end reason tells how); an unanswered one
    /// ends in the status its reason names.
    fn terminal_for(from: Self, reason: EndReason) -> Self {
        if from.was_answered() {
            return Self::Completed;
        }
        match reason {
            EndReason::Busy => Self::Busy,
            EndReason::NoAnswer => Self::NoAnswer,
            EndReason::Canceled | EndReason::EndedByApi => Self::Canceled,
            _ => Self::Failed,
        }
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CallerHangup => "caller_hangup",
            Self::AgentHangup => "agent_hangup",
            Self::EndedByApi => "ended_by_api",
            Self::MaxDuration => "max_duration",
            Self::SilenceTimeout => "silence_timeout",
            Self::Voicemail => "voicemail",
            Self::Busy => "busy",
            Self::NoAnswer => "no_answer",
            Self::Rejected => "rejected",
            Self::CarrierError => "carrier_error",
            Self::Canceled => "canceled",
            Self::InsufficientFunds => "insufficient_funds",
            Self::ServerRestart => "server_restart",
            Self::Transferred => "transferred",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        use EndReason as R;
        [
            R::CallerHangup,
            R::AgentHangup,
            R::EndedByApi,
            R::MaxDuration,
            R::SilenceTimeout,
            R::Voicemail,
            R::Busy,
            R::NoAnswer,
            R::Rejected,
            R::CarrierError,
            R::Canceled,
            R::InsufficientFunds,
            R::ServerRestart,
            R::Transferred,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// What an answered call costs: billed seconds are rounded up to the whole second, and the
/// price (`rate` cents per minute, charged per second) up to the whole cent.
pub fn cost_cents(billed_secs: i64, rate_cents_per_minute: i64) -> i64 {
    (billed_secs.max(0) * rate_cents_per_minute.max(0) + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event_strategy() -> impl Strategy<Value = CallEvent> {
        prop_oneof![
            Just(CallEvent::Dispatched),
            Just(CallEvent::Ringing),
            Just(CallEvent::Answered),
            Just(CallEvent::Connected),
            Just(CallEvent::Ended(EndReason::CallerHangup)),
            Just(CallEvent::Ended(EndReason::Busy)),
            Just(CallEvent::Ended(EndReason::NoAnswer)),
            Just(CallEvent::Ended(EndReason::Canceled)),
            Just(CallEvent::Ended(EndReason::CarrierError)),
        ]
    }

    #[test]
    fn the_happy_path() {
        let mut status = CallStatus::Queued;
        for event in [CallEvent::Dispatched, CallEvent::Ringing, CallEvent::Answered, CallEvent::Connected] {
            status = status.apply(event).unwrap().to();
        }
        assert_eq!(status, CallStatus::InProgress);
        let end = status.apply(CallEvent::Ended(EndReason::CallerHangup)).unwrap();
        assert_eq!((end.to(), end.end_reason()), (CallStatus::Completed, Some(EndReason::CallerHangup)));
    }

    #[test]
    fn unanswered_calls_end_in_the_status_their_reason_names() {
        let ringing = CallStatus::Ringing;
        assert_eq!(ringing.apply(CallEvent::Ended(EndReason::Busy)).unwrap().to(), CallStatus::Busy);
        assert_eq!(ringing.apply(CallEvent::Ended(EndReason::NoAnswer)).unwrap().to(), CallStatus::NoAnswer);
        assert_eq!(ringing.apply(CallEvent::Ended(EndReason::Canceled)).unwrap().to(), CallStatus::Canceled);
        assert_eq!(ringing.apply(CallEvent::Ended(EndReason::Rejected)).unwrap().to(), CallStatus::Failed);
        assert_eq!(CallStatus::Queued.apply(CallEvent::Ended(EndReason::Canceled)).unwrap().to(), CallStatus::Canceled);
    }

    #[test]
    fn answered_calls_complete_whatever_the_reason() {
        for reason in [EndReason::MaxDuration, EndReason::CarrierError, EndReason::ServerRestart, EndReason::EndedByApi]
        {
            assert_eq!(CallStatus::Answered.apply(CallEvent::Ended(reason)).unwrap().to(), CallStatus::Completed);
        }
    }

    #[test]
    fn illegal_moves_are_refused() {
        assert!(CallStatus::Queued.apply(CallEvent::Answered).is_err());
        assert!(CallStatus::InProgress.apply(CallEvent::Ringing).is_err());
        assert!(CallStatus::Completed.apply(CallEvent::Ended(EndReason::CallerHangup)).is_err());
        assert!(CallStatus::Answered.apply(CallEvent::Dispatched).is_err());
    }

    #[test]
    fn text_round_trips() {
        for status in CallStatus::ALL {
            assert_eq!(CallStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(EndReason::parse("server_restart"), Some(EndReason::ServerRestart));
    }

    #[test]
    fn cost_rounds_up() {
        assert_eq!(cost_cents(0, 9), 0);
        assert_eq!(cost_cents(1, 9), 1);
        assert_eq!(cost_cents(60, 9), 9);
        assert_eq!(cost_cents(61, 9), 10);
        assert_eq!(cost_cents(127, 12), 26);
    }

    proptest! {
        /// Whatever events arrive, a call never leaves a terminal status, and it only reaches
        /// `completed` if it was answered.
        #[test]
        fn any_event_sequence_stays_legal(events in proptest::collection::vec(event_strategy(), 0..20)) {
            let mut status = CallStatus::Queued;
            let mut answered = false;
            for event in events {
                if let Ok(t) = status.apply(event) {
                    prop_assert!(!status.is_terminal());
                    prop_assert_eq!(t.from(), status);
                    status = t.to();
                    answered |= status.was_answered();
                }
            }
            prop_assert!(status != CallStatus::Completed || answered);
        }
    }
}
