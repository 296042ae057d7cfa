//! One task per live call, the thin driver of its `CallControl`: it feeds the machine the
//! carrier's signals, the call's orders, the deadlines and the wallet, and performs what the
//! machine answers. It is the only writer of a live call's status, carrier id, media figures and
//! recording: carriers and the conversation report up to it.

mod transfer;

use super::carrier::Carrier;
use super::control::{CallControl, Input, Limits, Output, TalkLimit};
use crate::context::CallContext;
use crate::conversation::ConversationOrder;
use crate::leg::{CallCommand, CarrierSignal, DialedCall, LegEnd, far_future};
use crate::media::{MediaLink, Remains};
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::{ApiKeyMode, Timestamp};
use agentline_store::calls::{self, Call};
use agentline_store::lifecycle;
use agentline_store::{dispatch, wallet};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

/// How long the leg may take to report its end (and its media's remains) after our order.
const LEG_END_WAIT: Duration = Duration::from_secs(5);
/// How long the conversation may take to write its last turn after the media stopped.
const CONVERSATION_WAIT: Duration = Duration::from_secs(3);

/// Runs `call` on `carrier` (or records why it could not start) until it has ended.
pub(crate) async fn supervise(
    ctx: CallContext,
    call: Call,
    carrier: Result<Carrier, String>,
    commands: mpsc::Receiver<CallCommand>,
) {
    let carrier = match carrier {
        Ok(carrier) => carrier,
        Err(detail) => {
            Supervisor::step(&ctx, &call, CallEvent::Ended(EndReason::CarrierError), Some(detail)).await;
            return;
        }
    };
    let limits = Limits {
        ring_timeout_secs: call.ring_timeout_secs,
        max_duration_secs: call.max_duration_secs,
        time_scale: carrier.time_scale(),
        live: call.mode == ApiKeyMode::Live,
        refer: carrier.refer_method(),
    };
    let dialed = carrier.dial(&call);
    let (target_events, target_rx) = mpsc::unbounded_channel();
    let supervisor = Supervisor {
        ctx,
        call,
        carrier,
        control: CallControl::new(limits),
        started: Instant::now(),
        link: None,
        conversation: None,
        orders: None,
        leg_end: None,
        second: transfer::SecondLeg::default(),
        target_events,
        bridge: None,
    };
    supervisor.run(dialed, commands, target_rx).await;
}

struct Supervisor {
    ctx: CallContext,
    call: Call,
    carrier: Carrier,
    control: CallControl,
    started: Instant,
    /// The answered call's audio, until the conversation takes it.
    link: Option<MediaLink>,
    conversation: Option<JoinHandle<()>>,
    /// Where the conversation takes orders, while it runs.
    orders: Option<mpsc::Sender<ConversationOrder>>,
    /// The leg's own report of its end, once it came.
    leg_end: Option<LegEnd>,
    /// A transfer's second leg.
    second: transfer::SecondLeg,
    target_events: mpsc::UnboundedSender<transfer::TargetEvent>,
    /// The two legs' audio, once bridged.
    bridge: Option<JoinHandle<()>>,
}

impl Supervisor {
    async fn run(
        mut self,
        mut dialed: DialedCall,
        mut commands: mpsc::Receiver<CallCommand>,
        mut target_events: mpsc::UnboundedReceiver<transfer::TargetEvent>,
    ) {
        let mut heartbeat = tokio::time::interval(Duration::from_secs(self.ctx.settings().calls.heartbeat_secs));
        let ending = loop {
            let deadline = self.control.deadline().map_or_else(far_future, |d| self.started + d);
            // In this order: what the network already said (an answer that arrived before the ring
            // timeout was noticed wins), then orders, then the deadline.
            let outputs = tokio::select! {
                biased;
                signal = dialed.signals.recv() => self.on_signal(signal).await,
                command = commands.recv() => {
                    let input = Input::Command(command.unwrap_or(CallCommand::End));
                    self.control.on(self.now(), input)
                }
                Some(event) = target_events.recv() => self.on_target(event),
                () = sleep_until(deadline) => self.control.tick(self.now()),
                _ = heartbeat.tick() => self.on_heartbeat().await,
            };
            if let Some(ending) = self.perform(outputs, &dialed).await {
                break ending;
            }
        };
        let remains = self.wind_down(&mut dialed).await;
        self.store_remains(remains).await;
        Self::step(&self.ctx, &self.call, CallEvent::Ended(ending.0), Some(ending.1)).await;
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    async fn on_signal(&mut self, signal: Option<CarrierSignal>) -> Vec<Output> {
        let input = match signal {
            Some(CarrierSignal::CarrierId(id)) => {
                if let Err(err) = calls::set_carrier_call_id(self.ctx.store(), &self.call.id, &id).await {
                    tracing::warn!(call_id = %self.call.id, error = %err, "could not store the carrier's call id");
                }
                return Vec::new();
            }
            Some(CarrierSignal::Ringing) => Input::Ringing,
            Some(CarrierSignal::Answered(link)) => {
                let media = link.is_some();
                self.link = link;
                Input::Answered { media, talk_limit: self.talk_limit().await }
            }
            Some(CarrierSignal::Dtmf(digit)) => Input::Dtmf(digit),
            Some(CarrierSignal::Refer(progress)) => Input::Refer(progress),
            Some(CarrierSignal::Ended(end)) => {
                let input = match &end.reason {
                    Some((reason, detail)) => Input::LegEnded { reason: *reason, detail: detail.clone() },
                    None => Input::LegGone,
                };
                self.leg_end = Some(end);
                input
            }
            None => Input::LegGone,
        };
        self.control.on(self.now(), input)
    }

    async fn on_heartbeat(&mut self) -> Vec<Output> {
        let ids = std::slice::from_ref(&self.call.id);
        match dispatch::heartbeat(self.ctx.store(), ids, Timestamp::now()).await {
            // Ended elsewhere (another node's `POST /v1/calls/{id}/end`): this node hangs up too.
            Ok(ended) if !ended.is_empty() => return self.control.on(self.now(), Input::Command(CallCommand::End)),
            Ok(_) => {}
            Err(err) => tracing::warn!(call_id = %self.call.id, error = %err, "heartbeat failed"),
        }
        if self.control.watches_wallet() && self.wallet_exhausted().await {
            return self.control.on(self.now(), Input::WalletExhausted);
        }
        Vec::new()
    }

    /// Carries out the machine's outputs in order; the call's ending once it says `Finish`.
    async fn perform(&mut self, outputs: Vec<Output>, dialed: &DialedCall) -> Option<(EndReason, String)> {
        let mut queue = VecDeque::from(outputs);
        while let Some(output) = queue.pop_front() {
            match output {
                Output::Step(event) => {
                    if !Self::step(&self.ctx, &self.call, event, None).await {
                        queue.extend(self.control.on(self.now(), Input::StepRefused));
                    }
                }
                Output::StartConversation => self.start_conversation(),
                Output::Record(event_type, payload) => {
                    self.ctx.record_activity(&self.call.id, event_type, payload).await;
                }
                Output::Control(control) => {
                    let _ = dialed.controls.send(control).await;
                }
                Output::TransferStep(step) => self.transfer_step(step).await,
                Output::Transfer(order) => queue.extend(self.transfer_order(order).await),
                Output::Finish { reason, detail } => return Some((reason, detail)),
            }
        }
        None
    }

    fn start_conversation(&mut self) {
        if let Some(link) = self.link.take() {
            let ctx = self.ctx.clone();
            let (orders, inbox) = mpsc::channel(8);
            self.orders = Some(orders);
            self.conversation = Some(crate::conversation::start(ctx, self.call.clone(), link, inbox));
        }
    }

    /// After the end: the leg reports what its media left (it stops on our order, or has already
    /// stopped), and the conversation writes its last turn before the call is marked ended.
    async fn wind_down(&mut self, dialed: &mut DialedCall) -> Remains {
        if self.leg_end.is_none() {
            self.leg_end = tokio::time::timeout(LEG_END_WAIT, leg_end(dialed)).await.ok().flatten();
        }
        if let Some(bridge) = self.bridge.take() {
            bridge.abort();
        }
        if let Some(conversation) = self.conversation.take()
            && tokio::time::timeout(CONVERSATION_WAIT, conversation).await.is_err()
        {
            tracing::warn!(call_id = %self.call.id, "the conversation did not finish in time");
        }
        self.leg_end.take().map(|end| end.remains).unwrap_or_default()
    }

    async fn store_remains(&self, remains: Remains) {
        let (store, id) = (self.ctx.store(), &self.call.id);
        if let Some(stats) = remains.stats
            && let Ok(json) = serde_json::to_value(stats)
            && let Err(err) = calls::set_media(store, id, &json).await
        {
            tracing::warn!(call_id = %id, error = %err, "could not store the call's media figures");
        }
        if let Some(recording) = remains.recording
            && let Err(err) = calls::set_recording(store, id, &recording).await
        {
            tracing::warn!(call_id = %id, error = %err, "could not store the call's recording");
        }
    }

    /// Applies `event`; false when the call has already moved on (ended elsewhere).
    async fn step(ctx: &CallContext, call: &Call, event: CallEvent, detail: Option<String>) -> bool {
        match lifecycle::advance(ctx.store(), &call.id, event, detail, Timestamp::now()).await {
            Ok(applied) => {
                ctx.event_recorded();
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
    async fn wallet_exhausted(&self) -> bool {
        match wallet::live_exposure(self.ctx.store(), &self.call.account_id, Timestamp::now()).await {
            Ok((balance, exposure)) => exposure >= balance,
            Err(err) => {
                tracing::warn!(call_id = %self.call.id, error = %err, "wallet check failed");
                false
            }
        }
    }

    /// How long the answered call may last: its max_duration, or less if a live wallet runs out first.
    async fn talk_limit(&self) -> TalkLimit {
        let call = &self.call;
        if call.mode == ApiKeyMode::Live
            && let Ok((balance, rate)) = wallet::balance_and_rate(self.ctx.store(), &call.account_id).await
            && rate > 0
        {
            // One second short of the balance, so the final second's rounding up still fits.
            let affordable = (balance.max(0) * 60 / rate - 1).max(0);
            if affordable < call.max_duration_secs {
                return TalkLimit { secs: affordable, reason: EndReason::InsufficientFunds };
            }
        }
        TalkLimit { secs: call.max_duration_secs, reason: EndReason::MaxDuration }
    }
}

/// The leg's end, skipping anything it still reports before it; none if it goes without one.
async fn leg_end(dialed: &mut DialedCall) -> Option<LegEnd> {
    while let Some(signal) = dialed.signals.recv().await {
        if let CarrierSignal::Ended(end) = signal {
            return Some(end);
        }
    }
    None
}
