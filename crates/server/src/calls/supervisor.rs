//! One task per live call: relays carrier signals into the call's lifecycle, and enforces
//! the ring timeout, the maximum duration, the wallet, and API or shutdown orders.

use super::carrier::{Carrier, CarrierControl, CarrierSignal};
use super::{CallCommand, CallRuntime, far_future};
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::{ApiKeyMode, Timestamp};
use agentline_store::calls::{self, Call};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// How the call ended, and what the network must be told.
struct Ending {
    reason: EndReason,
    detail: String,
    control: Option<CarrierControl>,
}

impl Ending {
    fn new(reason: EndReason, detail: impl Into<String>, control: Option<CarrierControl>) -> Self {
        Self { reason, detail: detail.into(), control }
    }
}

pub(crate) async fn supervise(rt: Arc<CallRuntime>, call: Call, mut commands: mpsc::Receiver<CallCommand>) {
    let carrier = match Carrier::for_call(&rt, &call).await {
        Ok(carrier) => carrier,
        Err(detail) => {
            step_with(&rt, &call, CallEvent::Ended(EndReason::CarrierError), Some(detail)).await;
            rt.finished(&call.id);
            return;
        }
    };
    let scale = carrier.time_scale();
    let seconds = |secs: i64| Duration::from_secs(u64::try_from(secs).unwrap_or(0)).div_f64(scale);
    let mut dialed = carrier.dial(&call);
    let ring_deadline = Instant::now() + seconds(call.ring_timeout_secs);
    let mut talk_deadline = far_future();
    let mut talk_limit_reason = EndReason::MaxDuration;
    let mut answered = false;
    let mut conversation: Option<tokio::task::JoinHandle<()>> = None;
    let mut heartbeat = tokio::time::interval(Duration::from_secs(rt.config.calls.heartbeat_secs));
    let hang_up = |answered: bool| Some(if answered { CarrierControl::Hangup } else { CarrierControl::Cancel });

    let ending = loop {
        tokio::select! {
            signal = dialed.signals.recv() => match signal {
                Some(CarrierSignal::Ringing) => {
                    if !step(&rt, &call, CallEvent::Ringing).await {
                        break None;
                    }
                }
                Some(CarrierSignal::Answered(link)) => {
                    if !step(&rt, &call, CallEvent::Answered).await || !step(&rt, &call, CallEvent::Connected).await {
                        break None;
                    }
                    answered = true;
                    conversation = link.map(|link| crate::conversation::start(Arc::clone(&rt), call.clone(), link));
                    let (limit, reason) = talk_limit(&rt, &call).await;
                    talk_deadline = Instant::now() + seconds(limit);
                    talk_limit_reason = reason;
                }
                Some(CarrierSignal::Dtmf(digit)) => {
                    let payload = serde_json::json!({ "digit": digit.to_string(), "direction": "received" });
                    record_activity(&rt, &call, "call.dtmf", payload).await;
                }
                Some(CarrierSignal::Ended { reason, detail }) => break Some(Ending::new(reason, detail, None)),
                None => break Some(Ending::new(EndReason::CarrierError, "the carrier stopped reporting on the call", None)),
            },
            () = sleep_until(ring_deadline), if !answered => {
                let detail = format!("no answer within {} s; canceled", call.ring_timeout_secs);
                break Some(Ending::new(EndReason::NoAnswer, detail, Some(CarrierControl::Cancel)));
            }
            () = sleep_until(talk_deadline), if answered => {
                let detail = match talk_limit_reason {
                    EndReason::InsufficientFunds => "the wallet ran out".to_owned(),
                    _ => format!("reached max_duration of {} s", call.max_duration_secs),
                };
                break Some(Ending::new(talk_limit_reason, detail, Some(CarrierControl::Hangup)));
            }
            command = commands.recv() => {
                let ending = match command {
                    Some(CallCommand::SendDtmf(digits)) => {
                        let payload = serde_json::json!({ "digits": digits, "direction": "sent" });
                        record_activity(&rt, &call, "call.dtmf", payload).await;
                        let _ = dialed.controls.send(CarrierControl::SendDtmf(digits)).await;
                        continue;
                    }
                    Some(CallCommand::Hangup(reason, detail)) => Ending::new(reason, detail, hang_up(answered)),
                    Some(CallCommand::Shutdown) => Ending::new(EndReason::ServerRestart, "the server shut down", hang_up(answered)),
                    Some(CallCommand::End) | None => {
                        let reason = if answered { EndReason::EndedByApi } else { EndReason::Canceled };
                        Ending::new(reason, "ended through the API", hang_up(answered))
                    }
                };
                break Some(ending);
            }
            _ = heartbeat.tick() => {
                if let Err(err) = calls::heartbeat(&rt.store, std::slice::from_ref(&call.id), Timestamp::now()).await {
                    tracing::warn!(call_id = %call.id, error = %err, "heartbeat failed");
                }
                if answered && wallet_exhausted(&rt, &call).await {
                    break Some(Ending::new(EndReason::InsufficientFunds, "the wallet ran out", Some(CarrierControl::Hangup)));
                }
            }
        }
    };
    let ending = ending
        .unwrap_or_else(|| Ending::new(EndReason::CarrierError, "the call was ended elsewhere", hang_up(answered)));
    if let Some(control) = ending.control {
        let _ = dialed.controls.send(control).await;
    }
    // The conversation ends with the media; its last transcript turn lands before the call ends.
    if let Some(conversation) = conversation
        && tokio::time::timeout(Duration::from_secs(3), conversation).await.is_err()
    {
        tracing::warn!(call_id = %call.id, "the conversation did not finish in time");
    }
    step_with(&rt, &call, CallEvent::Ended(ending.reason), Some(ending.detail)).await;
    rt.finished(&call.id);
}

/// Records something that happened on the call without changing its status (a key press).
pub(crate) async fn record_activity(rt: &CallRuntime, call: &Call, event_type: &str, payload: serde_json::Value) {
    match calls::record_activity(&rt.store, &call.id, event_type, payload, Timestamp::now()).await {
        Ok(()) => rt.event_recorded(),
        Err(err) => tracing::warn!(call_id = %call.id, error = %err, event_type, "could not record a call event"),
    }
}

/// Applies `event`; false when the call has already moved on (ended elsewhere).
async fn step(rt: &CallRuntime, call: &Call, event: CallEvent) -> bool {
    step_with(rt, call, event, None).await
}

async fn step_with(rt: &CallRuntime, call: &Call, event: CallEvent, detail: Option<String>) -> bool {
    match calls::advance(&rt.store, &call.id, event, detail, Timestamp::now()).await {
        Ok(applied) => {
            rt.event_recorded();
            applied.is_some()
        }
        Err(err) => {
            tracing::error!(call_id = %call.id, error = %err, ?event, "could not record a call event");
            false
        }
    }
}

/// Whether the account's answered live calls together have spent its balance; checked on
/// every heartbeat, because each call's own limit assumes it is the only one spending.
async fn wallet_exhausted(rt: &CallRuntime, call: &Call) -> bool {
    if call.mode != ApiKeyMode::Live {
        return false;
    }
    match calls::live_exposure(&rt.store, &call.account_id, Timestamp::now()).await {
        Ok((balance, exposure)) => exposure >= balance,
        Err(err) => {
            tracing::warn!(call_id = %call.id, error = %err, "wallet check failed");
            false
        }
    }
}

/// Seconds the answered call may last: its max_duration, or less if a live wallet runs out first.
async fn talk_limit(rt: &CallRuntime, call: &Call) -> (i64, EndReason) {
    if call.mode == ApiKeyMode::Live
        && let Ok((balance, rate)) = calls::balance_and_rate(&rt.store, &call.account_id).await
        && rate > 0
    {
        // One second short of the balance, so the final second's rounding up still fits.
        let affordable = (balance.max(0) * 60 / rate - 1).max(0);
        if affordable < call.max_duration_secs {
            return (affordable, EndReason::InsufficientFunds);
        }
    }
    (call.max_duration_secs, EndReason::MaxDuration)
}
