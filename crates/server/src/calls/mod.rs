//! Running calls: the dispatcher that starts queued calls within each account's concurrency
//! limit, one supervisor task per live call, and reconciliation of calls a dead process left.

pub mod carrier;
mod sandbox;
mod supervisor;

pub(crate) use supervisor::record_activity;

use crate::config::Config;
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::{ApiKeyMode, CallId, Timestamp};
use agentline_store::Store;
use agentline_store::calls::{self, Call};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};

/// A deadline that never comes, for a timer not armed yet.
pub(crate) fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

/// Orders for a live call's supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallCommand {
    /// End it now (the API's `POST /v1/calls/{id}/end`).
    End,
    /// Press these keys (RFC 4733 DTMF) on the answered call.
    SendDtmf(String),
    /// The server is stopping.
    Shutdown,
    /// The conversation ends the call (the agent said goodbye, the caller went silent).
    Hangup(EndReason, String),
}

/// The calls this node is running, and the means to start more.
pub struct CallRuntime {
    store: Store,
    config: Arc<Config>,
    webhooks: Arc<crate::webhooks::WebhookWorker>,
    sip: Arc<crate::sip::SipAgent>,
    twilio: Arc<crate::twilio::TwilioHub>,
    live: Mutex<HashMap<CallId, mpsc::Sender<CallCommand>>>,
    wake: Notify,
}

impl CallRuntime {
    pub fn new(store: Store, config: Arc<Config>, webhooks: Arc<crate::webhooks::WebhookWorker>) -> Arc<Self> {
        let sip = crate::sip::SipAgent::new(config.sip.clone());
        let twilio = Arc::default();
        Arc::new(Self { store, config, webhooks, sip, twilio, live: Mutex::new(HashMap::new()), wake: Notify::new() })
    }

    /// Where Twilio's callbacks and streams find the calls they are about.
    pub(crate) fn twilio(&self) -> &Arc<crate::twilio::TwilioHub> {
        &self.twilio
    }

    /// The SIP user agent calls on trunks go through.
    pub fn sip(&self) -> &Arc<crate::sip::SipAgent> {
        &self.sip
    }

    /// Passes `command` to a call this node runs; false when it runs nowhere here.
    pub async fn command(&self, id: &CallId, command: CallCommand) -> bool {
        let sender = self.live().get(id).cloned();
        match sender {
            Some(sender) => sender.send(command).await.is_ok(),
            None => false,
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// A call event was committed: its webhook deliveries are due now.
    pub(crate) fn event_recorded(&self) {
        self.webhooks.wake();
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, mpsc::Sender<CallCommand>>> {
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
        let claimed = calls::claim_due(&self.store, &self.config.calls.node_id, Timestamp::now()).await?;
        let mut started = Vec::new();
        for call in claimed {
            if !self.can_pay_for_a_minute(&call).await? {
                let detail = Some("the wallet cannot pay for one minute".to_owned());
                calls::advance(
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

    /// Runs a call this node has claimed.
    pub(crate) fn start(self: &Arc<Self>, call: Call) {
        let (commands, inbox) = mpsc::channel(4);
        self.live().insert(call.id.clone(), commands);
        tokio::spawn(supervisor::supervise(Arc::clone(self), call, inbox));
    }

    async fn can_pay_for_a_minute(&self, call: &Call) -> agentline_store::Result<bool> {
        if call.mode == ApiKeyMode::Test {
            return Ok(true);
        }
        let (balance, rate) = calls::balance_and_rate(&self.store, &call.account_id).await?;
        Ok(rate == 0 || balance >= rate)
    }

    /// Ends calls that a stopped process left active: all of this node's when `include_own`
    /// (at start-up, before any call runs here), and anyone's whose heartbeat went stale.
    /// Each is ended with `server_restart` at its last heartbeat and charged for the time it ran.
    pub async fn reconcile(&self, include_own: bool) -> agentline_store::Result<usize> {
        let heartbeat = i64::try_from(self.config.calls.heartbeat_secs).unwrap_or(2);
        let stale_before = Timestamp::now().plus_seconds(-3 * heartbeat);
        let node = if include_own { self.config.calls.node_id.as_str() } else { "" };
        let mut reconciled = 0;
        for call in calls::orphans(&self.store, node, stale_before).await? {
            if self.live().contains_key(&call.id) {
                continue;
            }
            let ran_until = call.heartbeat_at.or(call.initiated_at).unwrap_or_else(Timestamp::now);
            let detail = Some("the process running this call stopped".to_owned());
            let ended =
                calls::advance(&self.store, &call.id, CallEvent::Ended(EndReason::ServerRestart), detail, ran_until)
                    .await?;
            reconciled += usize::from(ended.is_some());
        }
        if reconciled > 0 {
            tracing::warn!(reconciled, "ended calls left behind by a stopped process");
        }
        Ok(reconciled)
    }

    /// Ends a call in any non-terminal state. Queued calls are canceled in the database; live
    /// ones are told to cancel or hang up, and this waits (briefly) until they have.
    pub async fn end(&self, call: &Call) -> agentline_store::Result<Option<Call>> {
        let command = self.live().get(&call.id).cloned();
        match command {
            Some(sender) if sender.send(CallCommand::End).await.is_ok() => {
                for _ in 0..100 {
                    let now = agentline_store::record::get::<Call>(
                        &self.store,
                        &agentline_store::Tenant::account(call.account_id.clone()),
                        call.id.as_str(),
                    )
                    .await?;
                    if now.status.is_terminal() {
                        return Ok(Some(now));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(None)
            }
            _ => {
                let reason = if call.status.was_answered() { EndReason::EndedByApi } else { EndReason::Canceled };
                let detail = Some("ended through the API".to_owned());
                calls::advance(&self.store, &call.id, CallEvent::Ended(reason), detail, Timestamp::now()).await
            }
        }
    }

    fn finished(&self, id: &CallId) {
        self.live().remove(id);
        self.wake();
    }

    /// Runs the dispatcher until `stop` turns true, then hangs up the calls still running.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let interval = Duration::from_millis(self.config.calls.dispatch_interval_ms);
        let mut sweep = tokio::time::interval(Duration::from_secs(self.config.calls.heartbeat_secs * 3));
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
        self.hang_up_all().await;
        self.sip.shutdown();
    }

    async fn hang_up_all(&self) {
        let senders: Vec<_> = self.live().values().cloned().collect();
        for sender in senders {
            let _ = sender.send(CallCommand::Shutdown).await;
        }
        for _ in 0..200 {
            if self.live().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tracing::warn!(
            remaining = self.live().len(),
            "calls still running at shutdown; they will be reconciled at the next start"
        );
    }
}
