//! Choosing a call's carrier: one closed set, picked per call from its mode and number, and
//! started with `dial`. The vocabulary carriers speak lives in `crate::leg`; the carriers
//! themselves in `crate::carriers`.

use crate::carriers::sandbox::{self, SandboxMedia};
use crate::carriers::sip::{self, SipAgent};
use crate::carriers::twilio::{self, TwilioHub, TwilioLeg, TwilioRest};
use crate::leg::{CarrierSignal, DialedCall, LegEnd};
use crate::media::MediaPlan;
use crate::settings::Settings;
use agentline_domain::call::EndReason;
use agentline_domain::transfer::TransferMethod;
use agentline_domain::{ApiKeyMode, CarrierKind, Direction, PhoneNumber};
use agentline_store::calls::Call;
use agentline_store::numbers::Number;
use agentline_store::trunks::Trunk;
use agentline_store::{Store, Tenant, record};
use std::sync::Arc;

/// The carriers agentline can dial through.
#[derive(Clone, Debug)]
pub enum Carrier {
    /// The simulated callee of the documented magic numbers; at real-time speed its calls carry
    /// audio (`media`), and its talking numbers speak.
    Sandbox { speed: f64, media: Option<SandboxMedia> },
    /// Twilio Programmable Voice, its audio over a Media Stream.
    Twilio(Box<TwilioLeg>),
    /// A SIP trunk.
    Sip { agent: Arc<SipAgent>, trunk: Box<Trunk>, plan: MediaPlan },
}

/// What choosing a carrier may look at: the node's SIP agent and Twilio hub, and the store for
/// the number's trunk and the account's credentials.
pub(crate) struct Carriers<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub sip: &'a Arc<SipAgent>,
    pub twilio: &'a Arc<TwilioHub>,
}

impl Carriers<'_> {
    /// The carrier for `call`: test-mode calls always use the sandbox; live calls use their
    /// number's carrier. Fails when the number's trunk is gone.
    pub(crate) async fn for_call(&self, call: &Call) -> Result<Carrier, String> {
        if call.carrier == CarrierKind::Twilio
            && (call.mode == ApiKeyMode::Live || call.direction == Direction::Inbound)
        {
            return self.twilio(call).await;
        }
        if call.mode == ApiKeyMode::Test || call.carrier != CarrierKind::Sip {
            let speed = self.settings.sandbox.speed;
            // Audio cannot be sped up: accelerated sandboxes (tests of the call lifecycle) stay silent.
            let media = if speed == 1.0 {
                let voice = self.callee_voice().await;
                Some(SandboxMedia { plan: self.media_plan(call), script: call.sandbox.clone(), voice })
            } else {
                None
            };
            return Ok(Carrier::Sandbox { speed, media });
        }
        let tenant = Tenant::account(call.account_id.clone());
        let number = record::get::<Number>(self.store, &tenant, call.from_number_id.as_str())
            .await
            .map_err(|e| format!("the calling number is gone: {e}"))?;
        let trunk_id = number.trunk_id.ok_or("the calling number has no SIP trunk")?;
        let trunk = record::get::<Trunk>(self.store, &tenant, &trunk_id)
            .await
            .map_err(|e| format!("SIP trunk {trunk_id} is gone: {e}"))?;
        Ok(Carrier::Sip { agent: Arc::clone(self.sip), trunk: Box::new(trunk), plan: self.media_plan(call) })
    }

    /// Twilio: calls placed with the account's credentials, or answered (the stream comes to us).
    /// Development streams (test mode) have no Twilio call behind them to update.
    async fn twilio(&self, call: &Call) -> Result<Carrier, String> {
        let settings = self.settings.twilio.clone();
        let rest = match call.mode {
            ApiKeyMode::Test => None,
            ApiKeyMode::Live => {
                let credentials = agentline_store::twilio::get(self.store, &call.account_id)
                    .await
                    .map_err(|e| format!("could not read the Twilio credentials: {e}"))?
                    .ok_or("the account has no Twilio credentials (PUT /v1/carriers/twilio)")?;
                Some(TwilioRest::new(&settings.api_base_url, &credentials.account_sid, credentials.auth_token))
            }
        };
        let inbound_sid =
            (call.direction == Direction::Inbound).then(|| call.carrier_call_id.clone().unwrap_or_default());
        Ok(Carrier::Twilio(Box::new(TwilioLeg {
            rest,
            inbound_sid,
            hub: Arc::clone(self.twilio),
            settings,
            plan: self.media_plan(call),
        })))
    }

    /// The sandbox callee's voice; the first call loads it (a second of CPU) off the reactor.
    async fn callee_voice(&self) -> Arc<dyn agentline_speech::TextToSpeech> {
        let speech = self.settings.speech.clone();
        tokio::task::spawn_blocking(move || crate::voices::callee_voice(&speech))
            .await
            .unwrap_or_else(|_| crate::voices::fallback_voice())
    }

    /// Media settings for a call with audio: record it under the data directory.
    fn media_plan(&self, call: &Call) -> MediaPlan {
        let settings = self.settings;
        MediaPlan {
            recording: settings.recordings.enabled.then(|| recording_path(settings, call)),
            rtp_timeout: std::time::Duration::from_secs(settings.sip.rtp_timeout_secs),
            jitter_frames: (settings.sip.jitter_buffer_ms / 20) as usize,
        }
    }
}

impl Carrier {
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
            Self::Twilio(leg) => twilio::dial((**leg).clone(), call.clone()),
            Self::Sip { agent, trunk, plan } => {
                sip::dial(Arc::clone(agent), (**trunk).clone(), call.clone(), plan.clone(), "")
            }
        }
    }

    /// How this carrier hands a call to someone else by itself, if it can: SIP trunks by REFER
    /// (tried; a refusal falls back to a bridge), Twilio by redirecting the call to `<Dial>`.
    pub fn refer_method(&self) -> Option<TransferMethod> {
        match self {
            Self::Sandbox { .. } => None,
            Self::Twilio(_) => Some(TransferMethod::Redirect),
            Self::Sip { .. } => Some(TransferMethod::Refer),
        }
    }

    /// Dials a transfer's target as a second leg of `call`, on the same line, unrecorded (the
    /// call's own recording hears both sides of the bridge).
    pub fn dial_target(&self, call: &Call, to: &str) -> DialedCall {
        let Ok(number) = PhoneNumber::parse_or_fictional(to) else {
            return refused_leg(format!("{to} is not a number to dial"));
        };
        let mut leg = call.clone();
        leg.to_number = number;
        leg.sandbox = None;
        match self {
            Self::Sandbox { speed, media } => {
                let media =
                    media.clone().map(|media| SandboxMedia { plan: unrecorded(&media.plan), script: None, ..media });
                sandbox::dial(to, *speed, media)
            }
            Self::Sip { agent, trunk, plan } => {
                sip::dial(Arc::clone(agent), (**trunk).clone(), leg, unrecorded(plan), "transfer")
            }
            Self::Twilio(_) => refused_leg("Twilio calls are handed over by <Dial>, not bridged".to_owned()),
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

fn unrecorded(plan: &MediaPlan) -> MediaPlan {
    MediaPlan { recording: None, ..plan.clone() }
}

/// A leg that ended before it began, for `detail`.
fn refused_leg(detail: String) -> DialedCall {
    let (signals_tx, signals) = tokio::sync::mpsc::channel(1);
    let (controls, _) = tokio::sync::mpsc::channel(1);
    let _ = signals_tx.try_send(CarrierSignal::Ended(LegEnd::because(EndReason::CarrierError, detail)));
    DialedCall { signals, controls }
}

/// Where a call's recording is written.
pub fn recording_path(settings: &Settings, call: &Call) -> std::path::PathBuf {
    settings.data_dir.join("recordings").join(format!("{}.wav", call.id))
}
