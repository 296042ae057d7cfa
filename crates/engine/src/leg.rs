//! The call-leg vocabulary, on the engine's ground floor: what a carrier reports **up** about a
//! call (signals), what the supervisor orders **down** (controls), and the orders a live call's
//! supervisor takes from the API and the conversation (commands).
//!
//! Carriers, the conversation and the supervisor all speak these types, and nothing here knows any
//! of them: that is what keeps events flowing one way.

use crate::media::{MediaLink, Remains};
use agentline_domain::call::EndReason;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the network tells us about a call.
pub enum CarrierSignal {
    /// The carrier's own id for the call (Twilio's CallSid), once it has one.
    CarrierId(String),
    Ringing,
    /// The callee picked up; the call's audio, when the carrier carries it.
    Answered(Option<MediaLink>),
    /// The callee pressed a key.
    Dtmf(char),
    /// The call is over on the network's side, or the carrier has finished after our order; what
    /// its media left behind comes with it.
    Ended(LegEnd),
}

/// How a leg ended: why (none when it only obeyed our hang-up or cancel), and what its media left.
#[derive(Debug, Default)]
pub struct LegEnd {
    pub reason: Option<(EndReason, String)>,
    pub remains: Remains,
}

impl LegEnd {
    /// The network ended the call, for `reason`.
    pub fn because(reason: EndReason, detail: impl Into<String>) -> Self {
        Self { reason: Some((reason, detail.into())), ..Self::default() }
    }
}

/// What we tell the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarrierControl {
    /// Stop ringing (SIP CANCEL).
    Cancel,
    /// End an answered call (SIP BYE).
    Hangup,
    /// Press keys on the answered call.
    SendDtmf(String),
}

/// A call handed to a carrier: its signals come up one channel, our controls go down the other.
pub struct DialedCall {
    pub signals: mpsc::Receiver<CarrierSignal>,
    pub controls: mpsc::Sender<CarrierControl>,
}

/// Orders for a live call's supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallCommand {
    /// End it now (the API's `POST /v1/calls/{id}/end`).
    End,
    /// Press these keys (RFC 4733 DTMF) on the answered call.
    SendDtmf(String),
    /// The server is stopping.
    Shutdown,
    /// The conversation ends the call (the agent said goodbye, the caller went silent).
    Hangup(EndReason, String),
}

/// A deadline that never comes, for a timer not armed yet.
pub fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}
