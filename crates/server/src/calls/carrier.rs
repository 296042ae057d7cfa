//! Carriers: how a call reaches the phone network. One closed set, chosen per call.
//!
//! A dialled call is two channels: signals from the network (ringing, answered, ended) and
//! controls to it (cancel before answer, hang up after). The supervisor owns both ends.

use super::sandbox;
use agentline_domain::call::EndReason;
use agentline_store::calls::Call;
use tokio::sync::mpsc;

/// What the network tells us about a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarrierSignal {
    Ringing,
    Answered,
    Ended { reason: EndReason, detail: String },
}

/// What we tell the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarrierControl {
    /// Stop ringing (SIP CANCEL).
    Cancel,
    /// End an answered call (SIP BYE).
    Hangup,
}

/// A call handed to a carrier.
pub struct DialedCall {
    pub signals: mpsc::Receiver<CarrierSignal>,
    pub controls: mpsc::Sender<CarrierControl>,
}

/// The carriers agentline can dial through.
#[derive(Clone, Debug)]
pub enum Carrier {
    /// The simulated callee of the documented magic numbers.
    Sandbox { speed: f64 },
}

impl Carrier {
    /// The carrier for `call`. Test-mode calls always use the sandbox; live calls use their
    /// number's carrier, which today can only be the sandbox (the SIP trunk and Twilio
    /// carriers are not built yet).
    pub fn for_call(_call: &Call, speed: f64) -> Self {
        Self::Sandbox { speed }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sandbox { .. } => "sandbox",
        }
    }

    /// Starts dialling.
    pub fn dial(&self, call: &Call) -> DialedCall {
        match self {
            Self::Sandbox { speed } => sandbox::dial(call.to_number.as_str(), *speed),
        }
    }

    /// Timers of sandbox calls run at the sandbox's speed, so scripted outcomes and timeouts keep their proportions.
    pub fn time_scale(&self) -> f64 {
        match self {
            Self::Sandbox { speed } => *speed,
        }
    }
}
