//! Carriers: how a call reaches the phone network. One closed set, chosen per call.
//!
//! A dialled call is two channels: signals from the network (ringing, answered, ended) and
//! controls to it (cancel before answer, hang up after). The supervisor owns both ends.

use super::{CallRuntime, sandbox};
use crate::media::{MediaLink, MediaPlan};
use crate::sip::SipAgent;
use agentline_domain::ApiKeyMode;
use agentline_domain::call::EndReason;
use agentline_store::Tenant;
use agentline_store::calls::Call;
use agentline_store::numbers::Number;
use agentline_store::record;
use agentline_store::trunks::Trunk;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the network tells us about a call.
pub enum CarrierSignal {
    Ringing,
    /// The callee picked up; the call's audio, when the carrier carries it.
    Answered(Option<MediaLink>),
    /// The callee pressed a key.
    Dtmf(char),
    Ended {
        reason: EndReason,
        detail: String,
    },
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

/// A call handed to a carrier.
pub struct DialedCall {
    pub signals: mpsc::Receiver<CarrierSignal>,
    pub controls: mpsc::Sender<CarrierControl>,
}

/// The carriers agentline can dial through.
#[derive(Clone, Debug)]
pub enum Carrier {
    /// The simulated callee of the documented magic numbers; at real-time speed its calls carry
    /// audio (`media`), and its talking numbers speak.
    Sandbox { speed: f64, media: Option<sandbox::SandboxMedia> },
    /// Twilio Programmable Voice, its audio over a Media Stream.
    Twilio(Box<crate::twilio::TwilioLeg>),
    /// A SIP trunk.
    Sip { agent: Arc<SipAgent>, trunk: Box<Trunk>, plan: MediaPlan, store: agentline_store::Store },
}

impl Carrier {
    /// The carrier for `call`: test-mode calls always use the sandbox; live calls use their
    /// number's carrier. Fails when the number's trunk is gone.
    pub async fn for_call(rt: &CallRuntime, call: &Call) -> Result<Self, String> {
        if call.carrier == "twilio" && (call.mode == ApiKeyMode::Live || call.direction == "inbound") {
            return Self::twilio(rt, call).await;
        }
        if call.mode == ApiKeyMode::Test || call.carrier != "sip" {
            let speed = rt.config.sandbox.speed;
            // Audio cannot be sped up: accelerated sandboxes (tests of the call lifecycle) stay silent.
            let media = (speed == 1.0).then(|| sandbox::SandboxMedia {
                plan: media_plan(rt, call),
                store: rt.store.clone(),
                call_id: call.id.clone(),
            });
            return Ok(Self::Sandbox { speed, media });
        }
        let tenant = Tenant::account(call.account_id.clone());
        let number = record::get::<Number>(&rt.store, &tenant, call.from_number_id.as_str())
            .await
            .map_err(|e| format!("the calling number is gone: {e}"))?;
        let trunk_id = number.trunk_id.ok_or("the calling number has no SIP trunk")?;
        let trunk = record::get::<Trunk>(&rt.store, &tenant, &trunk_id)
            .await
            .map_err(|e| format!("SIP trunk {trunk_id} is gone: {e}"))?;
        Ok(Self::Sip {
            agent: Arc::clone(rt.sip()),
            trunk: Box::new(trunk),
            plan: media_plan(rt, call),
            store: rt.store.clone(),
        })
    }

    /// Twilio: calls placed with the account's credentials, or answered (the stream comes to us).
    /// Development streams (test mode) have no Twilio call behind them to update.
    async fn twilio(rt: &CallRuntime, call: &Call) -> Result<Self, String> {
        let settings = rt.config.twilio.clone();
        let rest = match call.mode {
            ApiKeyMode::Test => None,
            ApiKeyMode::Live => {
                let credentials = agentline_store::twilio::get(&rt.store, &call.account_id)
                    .await
                    .map_err(|e| format!("could not read the Twilio credentials: {e}"))?
                    .ok_or("the account has no Twilio credentials (PUT /v1/carriers/twilio)")?;
                Some(crate::twilio::TwilioRest::new(
                    &settings.api_base_url,
                    &credentials.account_sid,
                    credentials.auth_token,
                ))
            }
        };
        let inbound_sid = (call.direction == "inbound").then(|| call.carrier_call_id.clone().unwrap_or_default());
        Ok(Self::Twilio(Box::new(crate::twilio::TwilioLeg {
            rest,
            inbound_sid,
            hub: Arc::clone(rt.twilio()),
            settings,
            plan: media_plan(rt, call),
            store: rt.store.clone(),
        })))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sandbox { .. } => "sandbox",
            Self::Twilio(_) => "twilio",
            Self::Sip { .. } => "sip",
        }
    }

    /// Starts dialling.
    pub fn dial(&self, call: &Call) -> DialedCall {
        match self {
            Self::Sandbox { speed, media } => sandbox::dial(call.to_number.as_str(), *speed, media.clone()),
            Self::Twilio(leg) => crate::twilio::dial((**leg).clone(), call.clone()),
            Self::Sip { agent, trunk, plan, store } => {
                crate::sip::dial(Arc::clone(agent), (**trunk).clone(), call.clone(), plan.clone(), store.clone())
            }
        }
    }

    /// Timers of sandbox calls run at the sandbox's speed, so scripted outcomes and timeouts keep their proportions.
    pub fn time_scale(&self) -> f64 {
        match self {
            Self::Sandbox { speed, .. } => *speed,
            Self::Twilio(_) | Self::Sip { .. } => 1.0,
        }
    }
}

/// Media settings for a call with audio: record it under the data directory.
fn media_plan(rt: &CallRuntime, call: &Call) -> MediaPlan {
    let config = &rt.config;
    MediaPlan {
        recording: config.recordings.enabled.then(|| recording_path(config, call)),
        rtp_timeout: std::time::Duration::from_secs(config.sip.rtp_timeout_secs),
        jitter_frames: (config.sip.jitter_buffer_ms / 20) as usize,
    }
}

/// Where a call's recording is written.
pub fn recording_path(config: &crate::config::Config, call: &Call) -> std::path::PathBuf {
    config.data_dir.join("recordings").join(format!("{}.wav", call.id))
}
