//! The call-leg vocabulary, on the engine's ground floor: what a carrier reports **up** about a
//! call (signals), what the supervisor orders **down** (controls), and the orders a live call's
//! supervisor takes from the API and the conversation (commands).
//!
//! Carriers, the conversation and the supervisor all speak these types, and nothing here knows any
//! of them: that is what keeps events flowing one way.

use crate::media::{MediaLink, Remains};
use agentline_domain::call::EndReason;
use agentline_domain::transfer::TransferRequest;
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
    /// How the far end handles our REFER (or Twilio our redirect).
    Refer(ReferProgress),
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
    /// Ask the far end to call `to` itself (SIP REFER; Twilio: redirect the call to `<Dial>`),
    /// `whisper` said to the target first where the carrier can (Twilio).
    Refer { to: String, whisper: Option<String> },
    /// Let go of a call the far end has taken over: end our leg without ending their call
    /// (a BYE after a REFER succeeded; nothing on Twilio, whose call went on to its `<Dial>`).
    Release,
}

/// What the far end says of our REFER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferProgress {
    /// The far end will not do it (a REFER answered 4xx–6xx, or a carrier that takes none).
    Refused(String),
    /// The referred call's progress, as a SIP status code (NOTIFY's sipfrag): 1xx goes on,
    /// 2xx means the target answered, 3xx–6xx that it did not.
    Status(u16),
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
    /// Hand the call to a person.
    Transfer(TransferRequest),
    /// The server is stopping.
    Shutdown,
    /// The conversation ends the call (the agent said goodbye, the caller went silent).
    Hangup(EndReason, String),
}

/// A deadline that never comes, for a timer not armed yet.
pub fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}
