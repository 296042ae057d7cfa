//! A call through Twilio: placed with the REST API (or already ringing, when it came in), followed
//! through its signed status callbacks, and talked over its Media Stream.

use super::hub::{TwilioHub, TwilioInput};
use super::rest::TwilioRest;
use crate::leg::{CarrierControl, CarrierSignal, DialedCall, LegEnd, ReferProgress, far_future};
use crate::media::stream::StreamSocket;
use crate::media::{self, MediaEvent, MediaHandle, MediaPlan, Remains};
use crate::settings::TwilioSettings;
use agentline_domain::call::EndReason;
use agentline_domain::twilio::{self, TwilioStatus};
use agentline_store::calls::Call;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Everything a Twilio call needs besides the call itself.
#[derive(Clone, Debug)]
pub struct TwilioLeg {
    /// The account's REST client; none for development streams, which have no Twilio call behind them.
    pub(crate) rest: Option<TwilioRest>,
    /// Twilio's CallSid of a call that came in; none for calls we place.
    pub(crate) inbound_sid: Option<String>,
    pub(crate) hub: Arc<TwilioHub>,
    pub(crate) settings: TwilioSettings,
    pub(crate) plan: MediaPlan,
}

/// The path of a call's status callback, and of its media stream.
pub fn status_path(call: &Call) -> String {
    format!("/twilio/calls/{}/status", call.id)
}

pub fn stream_path(call: &Call) -> String {
    format!("/twilio/calls/{}/stream", call.id)
}

/// Starts the call's task and returns its two channels.
pub(crate) fn dial(leg: TwilioLeg, call: Call) -> DialedCall {
    let (signals_tx, signals) = mpsc::channel(16);
    let (controls, controls_rx) = mpsc::channel(8);
    let inputs = leg.hub.take(&call.id);
    tokio::spawn(async move {
        let hub = Arc::clone(&leg.hub);
        let call_id = call.id.clone();
        Running { leg, call, signals: signals_tx, media: None, answered: false }.run(inputs, controls_rx).await;
        hub.close(&call_id);
    });
    DialedCall { signals, controls }
}

struct Running {
    leg: TwilioLeg,
    call: Call,
    signals: mpsc::Sender<CarrierSignal>,
    media: Option<(MediaHandle, mpsc::Receiver<MediaEvent>)>,
    answered: bool,
}

impl Running {
    async fn run(mut self, mut inputs: mpsc::Receiver<TwilioInput>, mut controls: mpsc::Receiver<CarrierControl>) {
        let sid = match self.call_sid().await {
            Ok(sid) => sid,
            Err(detail) => return self.ended(LegEnd::because(EndReason::CarrierError, detail)).await,
        };
        let mut stream_deadline = far_future();
        let ending = loop {
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(TwilioInput::Status { status, detail }) => {
                        if let Some(reason) = status.end_reason(self.answered) {
                            break Some((reason, detail));
                        }
                        self.on_progress(status, &mut stream_deadline).await;
                    }
                    Some(TwilioInput::Stream(socket, start)) => {
                        self.on_stream(socket, start).await;
                        stream_deadline = far_future();
                    }
                    None => break Some((EndReason::CarrierError, "the Twilio call's channel closed".to_owned())),
                },
                control = controls.recv() => match control {
                    Some(CarrierControl::SendDtmf(digits)) => {
                        if let Some((media, _)) = &self.media {
                            media.control().send_dtmf(digits);
                        }
                    }
                    Some(CarrierControl::Cancel) => { self.update(&sid, "canceled").await; break None }
                    Some(CarrierControl::Hangup) | None => { self.update(&sid, "completed").await; break None }
                    Some(CarrierControl::Refer { to, whisper }) => self.redirect(&sid, &to, whisper.is_some()).await,
                    // The call went on to its <Dial>: our stream is over, their call is not.
                    Some(CarrierControl::Release) => break None,
                },
                event = media::next_event(self.media.as_mut().map(|(_, events)| events)) => match event {
                    MediaEvent::Dtmf(digit) => { let _ = self.signals.send(CarrierSignal::Dtmf(digit)).await; }
                    MediaEvent::Timeout { secs } => {
                        self.update(&sid, "completed").await;
                        break Some((EndReason::CarrierError, format!("no audio on the Twilio stream for {secs} s")));
                    }
                    MediaEvent::Closed => break Some((EndReason::CallerHangup, "the caller hung up".to_owned())),
                },
                () = sleep_until(stream_deadline) => {
                    self.update(&sid, "completed").await;
                    let detail = "Twilio answered but never opened the media stream (is twilio.public_url reachable?)";
                    break Some((EndReason::CarrierError, detail.to_owned()));
                }
            }
        };
        let remains = self.finish_media().await;
        self.ended(LegEnd { reason: ending, remains }).await;
    }

    /// Twilio's id for the call: the one it came in with, or a new outbound call's.
    async fn call_sid(&self) -> Result<String, String> {
        if let Some(sid) = &self.leg.inbound_sid {
            return Ok(sid.clone());
        }
        let rest = self.leg.rest.as_ref().ok_or("no Twilio credentials for this account")?;
        let form = create_form(&self.call, &self.leg.settings)?;
        let sid = rest.create_call(&form).await.map_err(|e| format!("Twilio refused the call: {e}"))?;
        let _ = self.signals.send(CarrierSignal::CarrierId(sid.clone())).await;
        Ok(sid)
    }

    async fn on_progress(&mut self, status: TwilioStatus, stream_deadline: &mut Instant) {
        match status {
            TwilioStatus::Ringing => {
                let _ = self.signals.send(CarrierSignal::Ringing).await;
            }
            // Answered: the stream follows at once; if it never comes, the call is useless.
            TwilioStatus::InProgress if self.media.is_none() => {
                *stream_deadline = Instant::now() + Duration::from_secs(self.leg.settings.stream_timeout_secs);
            }
            _ => {}
        }
    }

    async fn on_stream(&mut self, socket: StreamSocket, start: agentline_media::twilio_stream::Start) {
        if self.media.is_some() {
            tracing::warn!(call_id = %self.call.id, "a second media stream for the call; closed");
            return;
        }
        let (handle, events) = media::stream::start(socket, start.stream_sid, self.leg.plan.clone());
        handle.answered();
        let link = handle.link();
        self.media = Some((handle, events));
        self.answered = true;
        let _ = self.signals.send(CarrierSignal::Answered(Some(link))).await;
    }

    /// A transfer: the call leaves our stream for a `<Dial>` to `to` (on a warm transfer, Twilio
    /// fetches the whisper from us when the target answers). Twilio takes the call or refuses
    /// the request; whether the target answers is then between Twilio and them.
    async fn redirect(&self, sid: &str, to: &str, whisper: bool) {
        let whisper_url =
            whisper.then(|| self.leg.settings.callback_url(&twilio::whisper_path(self.call.id.as_str()))).flatten();
        let progress = match &self.leg.rest {
            None => ReferProgress::Refused("a development stream has no Twilio call to redirect".to_owned()),
            Some(rest) => {
                let caller_id = self.call.from_number.as_str();
                let twiml = twilio::dial(to, caller_id, self.call.ring_timeout_secs, whisper_url.as_deref());
                match rest.redirect_call(sid, twiml).await {
                    Ok(()) => ReferProgress::Status(200),
                    Err(err) => ReferProgress::Refused(format!("Twilio refused the redirect: {err}")),
                }
            }
        };
        let _ = self.signals.send(CarrierSignal::Refer(progress)).await;
    }

    async fn update(&self, sid: &str, status: &str) {
        let Some(rest) = &self.leg.rest else { return };
        if let Err(err) = rest.update_call(sid, status).await {
            tracing::warn!(call_id = %self.call.id, error = %err, status, "could not update the Twilio call");
        }
    }

    async fn finish_media(&mut self) -> Remains {
        match self.media.take() {
            Some((handle, _)) => media::finish(handle, self.leg.plan.recording.as_deref()).await,
            None => Remains::default(),
        }
    }

    async fn ended(&self, end: LegEnd) {
        let _ = self.signals.send(CarrierSignal::Ended(end)).await;
    }
}

/// The `Calls.json` form of an outbound call: TwiML that connects its audio to us, and status callbacks.
fn create_form(call: &Call, settings: &TwilioSettings) -> Result<Vec<(&'static str, String)>, String> {
    let unset = || "twilio.public_url is not set: Twilio could not reach this server".to_owned();
    let stream_url = settings.stream_url(&stream_path(call)).ok_or_else(unset)?;
    let status_url = settings.callback_url(&status_path(call)).ok_or_else(unset)?;
    let twiml = twilio::connect_stream(&stream_url, &[("call_id", call.id.as_str())]);
    let mut form = vec![
        ("To", call.to_number.as_str().to_owned()),
        ("From", call.from_number.as_str().to_owned()),
        ("Twiml", twiml),
        ("StatusCallback", status_url),
        ("StatusCallbackMethod", "POST".to_owned()),
        ("Timeout", call.ring_timeout_secs.to_string()),
        ("TimeLimit", call.max_duration_secs.to_string()),
    ];
    form.extend(
        ["initiated", "ringing", "answered", "completed"].map(|event| ("StatusCallbackEvent", event.to_owned())),
    );
    Ok(form)
}
