//! One SIP call, from INVITE to BYE: turns rsipstack's dialog states into carrier signals,
//! carries out our cancel/hang-up/DTMF orders, and runs the call's media once SDP arrives
//! (on a 183 for early media, else on the 200).

use super::SipAgent;
use super::invite::{invite_option, refer_target};
use crate::leg::{CarrierControl, CarrierSignal, DialedCall, LegEnd, ReferProgress};
use crate::media::{MediaEvent, MediaHandle, MediaPlan, Remains};
use agentline_domain::call::EndReason;
use agentline_domain::trunk::end_reason_for_status;
use agentline_media::Codec;
use agentline_media::sdp::{self, Offer};
use agentline_store::calls::Call;
use agentline_store::trunks::Trunk;
use rsipstack::dialog::dialog::{DialogState, TerminatedReason};
use rsipstack::sip::{Response, StatusCodeKind};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Dials `call` through `trunk`. Everything runs on a task of its own; the supervisor sees only the
/// channels, and always gets the leg's end last.
/// `leg` tells a call's legs apart in their SIP Call-IDs (a transfer's second leg is `transfer`).
pub(crate) fn dial(agent: Arc<SipAgent>, trunk: Trunk, call: Call, plan: MediaPlan, leg: &'static str) -> DialedCall {
    let (signals_tx, signals) = mpsc::channel(16);
    let (controls, controls_rx) = mpsc::channel(8);
    tokio::spawn(async move {
        let end = match run(&agent, &trunk, &call, plan, leg, &signals_tx, controls_rx).await {
            Ok(end) => end,
            Err(err) => LegEnd::because(EndReason::CarrierError, format!("{err:#}")),
        };
        let _ = signals_tx.send(CarrierSignal::Ended(end)).await;
    });
    DialedCall { signals, controls }
}

type Ending = Option<(EndReason, String)>;

/// The call's state on our side of the dialog.
struct Leg<'a> {
    signals: &'a mpsc::Sender<CarrierSignal>,
    plan: Option<MediaPlan>,
    socket: Option<UdpSocket>,
    media: Option<MediaHandle>,
    media_events: Option<mpsc::Receiver<MediaEvent>>,
    recording: Option<std::path::PathBuf>,
    offer: Offer,
    rang: bool,
}

async fn run(
    agent: &SipAgent,
    trunk: &Trunk,
    call: &Call,
    plan: MediaPlan,
    leg_name: &'static str,
    signals: &mpsc::Sender<CarrierSignal>,
    mut controls: mpsc::Receiver<CarrierControl>,
) -> anyhow::Result<LegEnd> {
    let running = agent.running().await?;
    let local_ip = contact_ip(agent, running.local, trunk).await?;
    // RTP binds where SIP listens: the NAT address in `external_ip` is not one of ours.
    let socket = agent.bind_rtp(agent.settings.listen.ip()).await?;
    let offer = Offer {
        session_id: u64::from(socket.local_addr()?.port()),
        address: local_ip,
        port: socket.local_addr()?.port(),
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        ptime_ms: 20,
    };
    let contact = SocketAddr::new(local_ip, running.local.port());
    let option = invite_option(trunk, call, contact, offer.to_sdp(), leg_name)?;
    let (state_tx, mut states) = running.dialogs.new_dialog_state_channel();
    let (dialog, mut invite) = running.dialogs.do_invite_async(option, state_tx)?;
    let recording = plan.recording.clone();
    let mut leg = Leg {
        signals,
        plan: Some(plan),
        socket: Some(socket),
        media: None,
        media_events: None,
        recording,
        offer,
        rang: false,
    };
    let mut invite_done = false;
    let ending = loop {
        tokio::select! {
            state = states.recv() => match state {
                Some(state) => if let Some(ending) = leg.on_state(state).await { break ending },
                None => break Some((EndReason::CarrierError, "the SIP dialog went away".to_owned())),
            },
            result = &mut invite, if !invite_done => {
                invite_done = true;
                if let Some(ending) = final_response(result) { break ending }
            }
            control = controls.recv() => match control {
                Some(CarrierControl::Cancel) => { let _ = dialog.cancel().await; }
                Some(CarrierControl::Hangup) | None => { let _ = dialog.bye().await; break None }
                Some(CarrierControl::SendDtmf(digits)) => leg.send_dtmf(digits),
                Some(CarrierControl::Refer { to, .. }) => {
                    let progress = refer(&dialog, trunk, &to).await;
                    let _ = signals.send(CarrierSignal::Refer(progress)).await;
                }
                // The far end placed the referred call: our part of it is over.
                Some(CarrierControl::Release) => { let _ = dialog.bye().await; break None }
            },
            event = crate::media::next_event(leg.media_events.as_mut()) => match event {
                MediaEvent::Dtmf(digit) => { let _ = signals.send(CarrierSignal::Dtmf(digit)).await; }
                MediaEvent::Timeout { secs } => {
                    let _ = dialog.bye().await;
                    break Some((EndReason::CarrierError, format!("no RTP from the callee for {secs} s")));
                }
                // RTP sessions are never closed by the far end; a BYE ends the call instead.
                MediaEvent::Closed => {}
            },
        }
    };
    running.dialogs.remove_dialog(&dialog.id());
    let remains = match leg.media.take() {
        Some(media) => crate::media::finish(media, leg.recording.as_deref()).await,
        None => Remains::default(),
    };
    Ok(LegEnd { reason: ending, remains })
}

impl Leg<'_> {
    async fn on_state(&mut self, state: DialogState) -> Option<Ending> {
        match state {
            DialogState::Early(_, response) => {
                if !self.rang {
                    self.rang = true;
                    let _ = self.signals.send(CarrierSignal::Ringing).await;
                }
                // 183 Session Progress with SDP: early media (ringback, announcements) plays through.
                self.media_from(&response);
                None
            }
            DialogState::Confirmed(_, response) => {
                self.media_from(&response);
                if self.media.is_none() {
                    return Some(Some((EndReason::CarrierError, "the answer carried no usable SDP".to_owned())));
                }
                let link = self.media.as_ref().map(|media| {
                    media.answered();
                    media.link()
                });
                let _ = self.signals.send(CarrierSignal::Answered(link)).await;
                None
            }
            DialogState::Terminated(_, reason) => Some(terminated(reason)),
            DialogState::Notify(_, request, handle) => {
                let _ = handle.reply(rsipstack::sip::StatusCode::OK).await;
                if let Some(code) = sipfrag_status(&request.body) {
                    let _ = self.signals.send(CarrierSignal::Refer(ReferProgress::Status(code))).await;
                }
                None
            }
            _ => None,
        }
    }

    /// Starts media from the first SDP the far end sends; a later SDP (the 200 after a 183)
    /// only moves where we send.
    fn media_from(&mut self, response: &Response) {
        if response.body.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&response.body);
        let negotiated = match sdp::parse(&text).and_then(|answer| sdp::negotiate(&self.offer, &answer)) {
            Ok(negotiated) => negotiated,
            Err(err) => {
                tracing::warn!(error = %err, "unusable SDP from the trunk");
                return;
            }
        };
        if let Some(media) = &self.media {
            media.update_remote(negotiated);
            return;
        }
        if let (Some(socket), Some(plan)) = (self.socket.take(), self.plan.take()) {
            let (handle, events) = crate::media::start(socket, negotiated, plan);
            self.media = Some(handle);
            self.media_events = Some(events);
        }
    }

    fn send_dtmf(&self, digits: String) {
        if let Some(media) = &self.media {
            media.control().send_dtmf(digits);
        }
    }
}

/// Sends a REFER for `to` in the dialog: none when the far end accepted it (its NOTIFYs follow),
/// else why it will not.
async fn refer(dialog: &rsipstack::dialog::invite_dialog::InviteDialog, trunk: &Trunk, to: &str) -> ReferProgress {
    let target = match refer_target(trunk, to) {
        Ok(target) => target,
        Err(err) => return ReferProgress::Refused(format!("{err:#}")),
    };
    match dialog.refer(target, None, None).await {
        Ok(Some(response)) if response.status_code.kind() == StatusCodeKind::Successful => ReferProgress::Status(100),
        Ok(Some(response)) => {
            ReferProgress::Refused(format!("the trunk answered the REFER with SIP {}", response.status_code.code()))
        }
        Ok(None) => ReferProgress::Refused("the dialog is not confirmed".to_owned()),
        Err(err) => ReferProgress::Refused(format!("the REFER failed: {err}")),
    }
}

/// The status code of a NOTIFY's `message/sipfrag` body (`SIP/2.0 200 OK`).
fn sipfrag_status(body: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(body).ok()?;
    let mut words = text.lines().next()?.split_whitespace();
    words.next().filter(|version| version.starts_with("SIP/"))?;
    words.next()?.parse().ok().filter(|code| (100..700).contains(code))
}

type InviteResult = Result<rsipstack::Result<(rsipstack::dialog::DialogId, Option<Response>)>, tokio::task::JoinError>;

/// The INVITE transaction's end: a failure ends the call with the SIP status kept as detail.
fn final_response(result: InviteResult) -> Option<Ending> {
    match result {
        Ok(Ok((_, Some(response)))) if response.status_code.kind() != StatusCodeKind::Successful => {
            let code = response.status_code.code();
            let phrase = response.wire_reason.clone().unwrap_or_else(|| response.status_code.text().to_owned());
            Some(Some((end_reason_for_status(code), format!("SIP {code} {phrase}"))))
        }
        Ok(Ok(_)) => None,
        Ok(Err(err)) => Some(Some((EndReason::CarrierError, format!("SIP INVITE failed: {err}")))),
        Err(err) => Some(Some((EndReason::CarrierError, format!("SIP INVITE task failed: {err}")))),
    }
}

/// How a dialog the far end or the network ended maps to the call's end.
fn terminated(reason: TerminatedReason) -> Ending {
    match reason {
        TerminatedReason::UasBye => Some((EndReason::CallerHangup, "the callee hung up (BYE)".to_owned())),
        TerminatedReason::Timeout => Some((EndReason::CarrierError, "no response from the trunk".to_owned())),
        TerminatedReason::UasBusy => Some((EndReason::Busy, "SIP 486 Busy Here".to_owned())),
        TerminatedReason::UasDecline => Some((EndReason::Rejected, "SIP 603 Decline".to_owned())),
        TerminatedReason::UasOther(code) | TerminatedReason::ProxyError(code) => {
            Some((end_reason_for_status(code.code()), format!("SIP {} {}", code.code(), code.text())))
        }
        TerminatedReason::ProxyAuthRequired => {
            Some((EndReason::CarrierError, "SIP 407: the trunk refused our credentials".to_owned()))
        }
        // Ends we caused: the supervisor already knows why.
        TerminatedReason::UacCancel
        | TerminatedReason::UacBye
        | TerminatedReason::UacBusy
        | TerminatedReason::UacOther(_) => None,
    }
}

/// The address the trunk should reach us at: the configured NAT address, the listening
/// address, or (listening on all interfaces) the local address the route to the trunk uses.
async fn contact_ip(agent: &SipAgent, local: SocketAddr, trunk: &Trunk) -> anyhow::Result<IpAddr> {
    if let Some(ip) = agent.settings.external_ip()? {
        return Ok(ip);
    }
    if !local.ip().is_unspecified() {
        return Ok(local.ip());
    }
    let target = tokio::net::lookup_host((trunk.host.as_str(), trunk.port))
        .await?
        .next()
        .ok_or_else(|| anyhow::anyhow!("cannot resolve trunk host {}", trunk.host))?;
    let probe = UdpSocket::bind(SocketAddr::new(local.ip(), 0)).await?;
    probe.connect(target).await?;
    Ok(probe.local_addr()?.ip())
}
