//! Running calls: the dispatcher that starts queued calls within each account's concurrency
//! limit, one supervisor task per live call, and reconciliation of calls a dead process left.

mod bridge;
pub mod carrier;
mod control;
pub(crate) mod inbound;
mod supervisor;
pub mod transfer;

pub use control::{CallControl, Input, Limits, Output, TalkLimit};

use crate::carriers::sip::SipAgent;
use crate::carriers::twilio::TwilioHub;
use crate::cluster::Cluster;
use crate::context::CallContext;
use crate::leg::CallCommand;
use crate::settings::Settings;
use crate::webhooks::WebhookWorker;
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::{ApiKeyMode, CallId, Timestamp};
use agentline_store::calls::Call;
use agentline_store::lifecycle;
use agentline_store::{Store, dispatch, wallet};
use carrier::Carriers;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};

/// How long `end` waits for a live call to have ended.
const END_WAIT: Duration = Duration::from_secs(2);
/// How long stopping waits for the live calls to have ended.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// A call this node runs: where its orders go, and a signal that turns true once its end is committed.
#[derive(Clone)]
struct LiveCall {
    commands: mpsc::Sender<CallCommand>,
    ended: watch::Receiver<bool>,
}

impl LiveCall {
    /// Completes once the call's end is committed (or its supervisor is gone), or after `wait`.
    async fn ended_within(mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.ended.wait_for(|ended| *ended)).await.is_ok()
    }
}

/// The calls this node is running, and the means to start more.
pub struct CallRuntime {
    store: Store,
    settings: Arc<Settings>,
    webhooks: Arc<WebhookWorker>,
    sip: Arc<SipAgent>,
    twilio: Arc<TwilioHub>,
    live: Mutex<HashMap<CallId, LiveCall>>,
    wake: Notify,
    cluster: Arc<Cluster>,
    /// Set at shutdown: no more calls start here.
    draining: AtomicBool,
    /// Told whenever a live call finishes.
    finished: Notify,
}

impl CallRuntime {
    pub fn new(store: Store, settings: Arc<Settings>, webhooks: Arc<WebhookWorker>) -> Arc<Self> {
        let sip = SipAgent::new(settings.sip.clone());
        let twilio = Arc::default();
        let cluster = Cluster::new(&settings.calls.node_id);
        let live = Mutex::new(HashMap::new());
        let (wake, finished, draining) = (Notify::new(), Notify::new(), AtomicBool::new(false));
        Arc::new(Self { store, settings, webhooks, sip, twilio, live, wake, cluster, draining, finished })
    }

    /// This node's link to the others on the same Postgres.
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// Passes `command` to `call` wherever it runs: here, or on the node that owns it (through
    /// the cluster). False when no node can be reached for it.
    pub async fn order(&self, call: &Call, command: CallCommand) -> bool {
        let owner = call.owner_node.as_deref().filter(|owner| *owner != self.settings.calls.node_id);
        match owner {
            Some(owner) if !self.live().contains_key(&call.id) => {
                self.cluster.send(&self.store, owner, &call.id, &command).await
            }
            _ => self.command(&call.id, command).await,
        }
    }

    /// Where Twilio's callbacks and streams find the calls they are about.
    pub fn twilio(&self) -> &Arc<TwilioHub> {
        &self.twilio
    }

    /// The SIP user agent calls on trunks go through.
    pub fn sip(&self) -> &Arc<SipAgent> {
        &self.sip
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Passes `command` to a call this node runs; false when it runs nowhere here.
    pub async fn command(&self, id: &CallId, command: CallCommand) -> bool {
        let live = self.live().get(id).cloned();
        match live {
            Some(live) => live.commands.send(command).await.is_ok(),
            None => false,
        }
    }

    /// A call event was committed: its webhook deliveries are due now.
    fn event_recorded(&self) {
        self.webhooks.wake();
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, LiveCall>> {
        // The map holds only senders; a panic while holding the lock cannot leave it inconsistent.
        self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks the dispatcher to look for due calls now rather than at its next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
        self.event_recorded();
    }

    /// How many calls this node is running.
    pub fn live_count(&self) -> usize {
        self.live().len()
    }

    /// One dispatcher step: claims the due calls that fit in their accounts' limits and starts
    /// a supervisor for each. Returns the calls started. Tests call this directly.
    pub async fn dispatch_once(self: &Arc<Self>) -> agentline_store::Result<Vec<CallId>> {
        let claimed = dispatch::claim_due(&self.store, &self.settings.calls.node_id, Timestamp::now()).await?;
        let mut started = Vec::new();
        for call in claimed {
            if !self.can_pay_for_a_minute(&call).await? {
                let detail = Some("the wallet cannot pay for one minute".to_owned());
                lifecycle::advance(
                    &self.store,
                    &call.id,
                    CallEvent::Ended(EndReason::InsufficientFunds),
                    detail,
                    Timestamp::now(),
                )
                .await?;
                continue;
            }
            started.push(call.id.clone());
            self.start(call);
        }
        Ok(started)
    }

    /// Runs a call this node has claimed: chooses its carrier and hands it to a supervisor of its
    /// own, whose end is signalled to whoever waits for it.
    pub(crate) fn start(self: &Arc<Self>, call: Call) {
        let (commands, inbox) = mpsc::channel(4);
        let (ended_tx, ended) = watch::channel(false);
        self.live().insert(call.id.clone(), LiveCall { commands: commands.clone(), ended });
        let ctx =
            CallContext::new(self.store.clone(), Arc::clone(&self.settings), Arc::clone(&self.webhooks), commands);
        let rt = Arc::clone(self);
        tokio::spawn(async move {
            let carriers = Carriers { store: &rt.store, settings: &rt.settings, sip: &rt.sip, twilio: &rt.twilio };
            let carrier = carriers.for_call(&call).await;
            let id = call.id.clone();
            supervisor::supervise(ctx, call, carrier, inbox).await;
            rt.finished(&id);
            let _ = ended_tx.send(true);
        });
    }

    async fn can_pay_for_a_minute(&self, call: &Call) -> agentline_store::Result<bool> {
        if call.mode == ApiKeyMode::Test {
            return Ok(true);
        }
        let (balance, rate) = wallet::balance_and_rate(&self.store, &call.account_id).await?;
        Ok(rate == 0 || balance >= rate)
    }

    /// Ends calls that a stopped process left active: all of this node's when `include_own`
    /// (at start-up, before any call runs here), and anyone's whose heartbeat went stale.
    /// Each is ended with `server_restart` at its last heartbeat and charged for the time it ran.
    pub async fn reconcile(&self, include_own: bool) -> agentline_store::Result<usize> {
        let heartbeat = i64::try_from(self.settings.calls.heartbeat_secs).unwrap_or(2);
        let stale_before = Timestamp::now().plus_seconds(-3 * heartbeat);
        let node = if include_own { self.settings.calls.node_id.as_str() } else { "" };
        let mut reconciled = 0;
        for call in dispatch::orphans(&self.store, node, stale_before).await? {
            if self.live().contains_key(&call.id) {
                continue;
            }
            let ran_until = call.heartbeat_at.or(call.initiated_at).unwrap_or_else(Timestamp::now);
            let detail = Some("the process running this call stopped".to_owned());
            let ended = lifecycle::advance(
                &self.store,
                &call.id,
                CallEvent::Ended(EndReason::ServerRestart),
                detail,
                ran_until,
            )
            .await?;
            reconciled += usize::from(ended.is_some());
        }
        if reconciled > 0 {
            tracing::warn!(reconciled, "ended calls left behind by a stopped process");
        }
        Ok(reconciled)
    }

    /// Ends a call in any non-terminal state. Queued calls are canceled in the database; live
    /// ones are told to cancel or hang up, and this waits (briefly) until their end is committed.
    pub async fn end(&self, call: &Call) -> agentline_store::Result<Option<Call>> {
        let live = self.live().get(&call.id).cloned();
        match live {
            Some(live) if live.commands.send(CallCommand::End).await.is_ok() => {
                if !live.ended_within(END_WAIT).await {
                    return Ok(None);
                }
                let tenant = agentline_store::Tenant::account(call.account_id.clone());
                let now = agentline_store::record::get::<Call>(&self.store, &tenant, call.id.as_str()).await?;
                Ok(Some(now).filter(|now| now.status.is_terminal()))
            }
            _ => {
                let reason = if call.status.was_answered() { EndReason::EndedByApi } else { EndReason::Canceled };
                let detail = Some("ended through the API".to_owned());
                let ended =
                    lifecycle::advance(&self.store, &call.id, CallEvent::Ended(reason), detail, Timestamp::now())
                        .await?;
                // The node that runs it hangs up now rather than at its next heartbeat.
                if let Some(owner) = call.owner_node.as_deref().filter(|o| *o != self.settings.calls.node_id) {
                    self.cluster.send(&self.store, owner, &call.id, &CallCommand::End).await;
                }
                Ok(ended)
            }
        }
    }

    fn finished(&self, id: &CallId) {
        self.live().remove(id);
        self.finished.notify_waiters();
        self.wake();
    }

    /// Whether the node is shutting down: it starts no calls, and its live ones are finishing.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Lets the live calls finish on their own for at most `drain_secs`.
    async fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.settings.calls.drain_secs);
        while self.live_count() > 0 {
            let finished = self.finished.notified();
            if tokio::time::timeout_at(deadline, finished).await.is_err() {
                break;
            }
        }
    }

    /// Runs the dispatcher until `stop` turns true; then drains: starts no more calls, lets the
    /// live ones finish for at most `drain_secs`, and ends the rest (`server_restart`).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let interval = Duration::from_millis(self.settings.calls.dispatch_interval_ms);
        let mut sweep = tokio::time::interval(Duration::from_secs(self.settings.calls.heartbeat_secs * 3));
        while !*stop.borrow() {
            if let Err(err) = self.dispatch_once().await {
                tracing::error!(error = %err, "dispatch failed");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(interval) => {}
                _ = sweep.tick() => {
                    if let Err(err) = self.reconcile(false).await {
                        tracing::error!(error = %err, "reconciliation failed");
                    }
                }
                _ = stop.changed() => {}
            }
        }
        self.drain().await;
        self.hang_up_all().await;
        self.sip.shutdown();
    }

    /// Tells every live call to stop and waits until their ends are committed.
    async fn hang_up_all(&self) {
        let live: Vec<_> = self.live().values().cloned().collect();
        for call in &live {
            let _ = call.commands.send(CallCommand::Shutdown).await;
        }
        let all_ended = futures_util::future::join_all(live.into_iter().map(|call| call.ended_within(SHUTDOWN_WAIT)));
        if all_ended.await.into_iter().all(|ended| ended) {
            return;
        }
        tracing::warn!(
            remaining = self.live().len(),
            "calls still running at shutdown; they will be reconciled at the next start"
        );
    }
}
