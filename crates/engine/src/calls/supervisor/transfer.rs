//! The supervisor's side of a transfer: it dials the second leg, passes its signals up to the
//! call's control, tells the conversation to hold, whisper, leave or take the call back,
//! bridges the two legs' audio, and records each step on the call.

use super::Supervisor;
use crate::calls::bridge;
use crate::calls::control::{Input, Output};
use crate::calls::transfer::{TargetSignal, TransferOrder, TransferStep};
use crate::conversation::ConversationOrder;
use crate::leg::{CarrierControl, CarrierSignal, DialedCall};
use crate::media::MediaLink;
use agentline_domain::Timestamp;
use agentline_domain::call::EndReason;
use agentline_domain::transfer::{TransferMethod, TransferRecord, TransferStatus};
use serde_json::json;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long the conversation may take to hand its media back for the bridge.
const LEAVE_WAIT: Duration = Duration::from_secs(2);

/// What comes back from a transfer's second leg and its whisper.
pub(super) enum TargetEvent {
    Signal(CarrierSignal),
    WhisperReady(Duration),
}

/// The second leg and what the supervisor keeps of the transfer.
#[derive(Default)]
pub(super) struct SecondLeg {
    controls: Option<mpsc::Sender<CarrierControl>>,
    answered: bool,
    link: Option<MediaLink>,
    record: Option<TransferRecord>,
}

impl Supervisor {
    /// Turns what the second leg reports into the control's input.
    pub(super) fn on_target(&mut self, event: TargetEvent) -> Vec<Output> {
        let input = match event {
            TargetEvent::WhisperReady(length) => Input::WhisperReady(length),
            TargetEvent::Signal(CarrierSignal::Ringing) => Input::Target(TargetSignal::Ringing),
            TargetEvent::Signal(CarrierSignal::Answered(link)) => {
                self.second.answered = true;
                self.second.link = link;
                Input::Target(TargetSignal::Answered)
            }
            TargetEvent::Signal(CarrierSignal::Ended(end)) => {
                self.second.controls = None;
                let (reason, detail) =
                    end.reason.unwrap_or((EndReason::CarrierError, "the target's leg ended".to_owned()));
                Input::Target(TargetSignal::Ended { reason, detail })
            }
            TargetEvent::Signal(_) => return Vec::new(),
        };
        self.control.on(self.now(), input)
    }

    /// Carries out a transfer order; returns what the control answers to anything it learnt.
    pub(super) async fn transfer_order(&mut self, order: TransferOrder) -> Vec<Output> {
        match order {
            TransferOrder::Hold => self.tell_conversation(ConversationOrder::Hold).await,
            TransferOrder::TakeBack(_) => self.tell_conversation(ConversationOrder::TakeBack).await,
            TransferOrder::DialTarget(to) => {
                let dialed = self.carrier.dial_target(&self.call, &to);
                self.second.controls = Some(dialed.controls.clone());
                self.second.answered = false;
                tokio::spawn(forward(dialed, self.target_events.clone()));
            }
            TransferOrder::Whisper(text) => return self.whisper(text).await,
            TransferOrder::Bridge => self.bridge().await,
            // The control hands REFERs to the carrier itself.
            TransferOrder::Refer { .. } => {}
            TransferOrder::DropTarget => {
                if let Some(controls) = self.second.controls.take() {
                    let control = if self.second.answered { CarrierControl::Hangup } else { CarrierControl::Cancel };
                    let _ = controls.send(control).await;
                }
            }
        }
        Vec::new()
    }

    async fn tell_conversation(&self, order: ConversationOrder) {
        if let Some(orders) = &self.orders {
            let _ = orders.send(order).await;
        }
    }

    /// Has the conversation say the whisper on the second leg; without audio there is nothing
    /// to say, and the caller is bridged in at once.
    async fn whisper(&mut self, text: String) -> Vec<Output> {
        let (Some(orders), Some(link)) = (&self.orders, &self.second.link) else {
            return self.control.on(self.now(), Input::WhisperReady(Duration::ZERO));
        };
        let (length, played) = oneshot::channel();
        let order = ConversationOrder::Whisper { text, to: link.control.clone(), length };
        if orders.send(order).await.is_err() {
            return self.control.on(self.now(), Input::WhisperReady(Duration::ZERO));
        }
        let events = self.target_events.clone();
        tokio::spawn(async move {
            let length = played.await.unwrap_or_default();
            let _ = events.send(TargetEvent::WhisperReady(length));
        });
        Vec::new()
    }

    /// The conversation leaves and the legs' audio is connected (calls without audio have
    /// nothing to connect: their legs simply stay up together).
    async fn bridge(&mut self) {
        let Some(orders) = self.orders.take() else { return };
        let (reply, link) = oneshot::channel();
        if orders.send(ConversationOrder::Leave(reply)).await.is_err() {
            return;
        }
        let caller = tokio::time::timeout(LEAVE_WAIT, link).await.ok().and_then(Result::ok);
        if let (Some(caller), Some(target)) = (caller, self.second.link.take()) {
            self.bridge = Some(bridge::connect(caller, target));
        }
    }

    /// Records a transfer step as an event and on the call's `transfer`.
    pub(super) async fn transfer_step(&mut self, step: TransferStep) {
        let now = Timestamp::now();
        let (event_type, extra) = match &step {
            TransferStep::Started => {
                self.second.record = self.control.transfer().map(|flow| started(flow.request(), now));
                ("call.transfer_started", json!({}))
            }
            TransferStep::Progress(code) => ("call.transfer_progress", json!({ "sip_status": code })),
            TransferStep::Connected(method) => {
                if let Some(record) = &mut self.second.record {
                    record.status = TransferStatus::Transferred;
                    record.method = Some(*method);
                    record.bridged_at = (*method == TransferMethod::Bridge).then_some(now);
                }
                ("call.transferred", json!({}))
            }
            TransferStep::Failed(failure, detail) => {
                if let Some(record) = &mut self.second.record {
                    record.status = TransferStatus::Failed;
                    record.failure = Some(*failure);
                }
                ("call.transfer_failed", json!({ "detail": detail }))
            }
        };
        let Some(record) = self.second.record.clone() else { return };
        if let Err(err) = agentline_store::calls::set_transfer(self.ctx.store(), &self.call.id, &record).await {
            tracing::warn!(call_id = %self.call.id, error = %err, "could not store the call's transfer");
        }
        let mut payload = json!({ "transfer": record });
        if let (Some(payload), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
            payload.extend(extra);
        }
        self.ctx.record_activity(&self.call.id, event_type, payload).await;
    }
}

fn started(request: &agentline_domain::transfer::TransferRequest, now: Timestamp) -> TransferRecord {
    TransferRecord {
        to: request.to.to_string(),
        mode: request.mode,
        status: TransferStatus::Started,
        method: None,
        failure: None,
        started_at: now,
        whisper: request.whisper.clone(),
        bridged_at: None,
    }
}

/// Passes the second leg's signals to the supervisor until the leg ends.
async fn forward(mut dialed: DialedCall, events: mpsc::UnboundedSender<TargetEvent>) {
    while let Some(signal) = dialed.signals.recv().await {
        let last = matches!(signal, CarrierSignal::Ended(_));
        if events.send(TargetEvent::Signal(signal)).is_err() || last {
            return;
        }
    }
    let gone = crate::leg::LegEnd::because(EndReason::CarrierError, "the target's carrier stopped reporting");
    let _ = events.send(TargetEvent::Signal(CarrierSignal::Ended(gone)));
}
