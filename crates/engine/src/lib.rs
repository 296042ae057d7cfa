//! agentline's call engine: everything between a queued call and its end, without HTTP.
//!
//! Events flow one way. Carriers (`carriers`) and the conversation (`conversation`) report **up**
//! to the call's supervisor (`calls::supervisor`) in the leg vocabulary (`leg`); the supervisor
//! orders **down**, and it alone writes a live call's status, carrier id, media figures and
//! recording. The rules it follows are a sans-IO machine (`calls::CallControl`); the dispatcher
//! (`calls::CallRuntime`) starts supervisors within each account's limits; the webhook worker
//! (`webhooks`) delivers what the store's outbox holds; the analysis worker (`analysis`) has a
//! model analyse each completed call.
//!
//! The HTTP server builds an [`Engine`], runs it, and reaches into it only through
//! [`calls::CallRuntime`] (place, end, order a call; hand over Twilio's requests) and
//! [`webhooks::WebhookWorker`] (wake it).

pub mod analysis;
pub mod calls;
pub mod carriers;
pub mod cluster;
pub mod context;
mod conversation;
pub mod leg;
pub mod media;
pub mod settings;
mod vendor_keys;
pub mod voices;
pub mod webhooks;

pub use analysis::AnalysisWorker;
pub use calls::CallRuntime;
pub use calls::inbound::{Incoming, answer as answer_inbound};
pub use settings::Settings;
pub use webhooks::WebhookWorker;

use agentline_store::Store;
use anyhow::Context as _;
use std::sync::Arc;
use tokio::sync::watch;

/// The node's call engine: its dispatcher, its webhook worker and its analysis worker.
pub struct Engine {
    pub calls: Arc<CallRuntime>,
    pub webhooks: Arc<WebhookWorker>,
    pub analysis: Arc<AnalysisWorker>,
    settings: Arc<Settings>,
    store: Store,
}

impl Engine {
    /// Builds the engine and ends the calls a stopped process left behind on this node.
    pub async fn start(store: Store, settings: Arc<Settings>) -> anyhow::Result<Self> {
        let webhooks = WebhookWorker::new(store.clone(), Arc::clone(&settings))?;
        let analysis = AnalysisWorker::new(store.clone(), Arc::clone(&settings), Arc::clone(&webhooks))?;
        let calls = CallRuntime::new(store.clone(), Arc::clone(&settings), Arc::clone(&webhooks));
        calls.reconcile(true).await.context("cannot reconcile calls left by a previous run")?;
        tokio::spawn(check_speech(settings.speech.clone()));
        Ok(Self { calls, webhooks, analysis, settings, store })
    }

    /// Dispatches calls, delivers webhooks and analyses ended calls until `stop` turns true; then
    /// drains the live calls (see [`CallRuntime::run`]) and stops.
    pub async fn run(&self, stop: watch::Receiver<bool>) {
        // The workers go on while the calls drain (their webhooks and analyses), and stop after.
        let (workers_stop, workers_stopped) = watch::channel(false);
        let dispatcher = tokio::spawn(Arc::clone(&self.calls).run(stop.clone()));
        let (orders, mut inbox) = tokio::sync::mpsc::channel(256);
        let cluster = Arc::clone(self.calls.cluster());
        tokio::spawn(cluster.run(self.store.clone(), orders, workers_stopped.clone()));
        let calls = Arc::clone(&self.calls);
        // Orders other nodes took for the calls this node runs.
        tokio::spawn(async move {
            while let Some((id, command)) = inbox.recv().await {
                calls.command(&id, command).await;
            }
        });
        let analyser = self
            .settings
            .analysis
            .worker_enabled
            .then(|| tokio::spawn(Arc::clone(&self.analysis).run(workers_stopped.clone())));
        let deliverer = self
            .settings
            .webhooks
            .worker_enabled
            .then(|| tokio::spawn(Arc::clone(&self.webhooks).run(workers_stopped)));
        let _ = dispatcher.await;
        let _ = workers_stop.send(true);
        for worker in [analyser, deliverer].into_iter().flatten() {
            let _ = worker.await;
        }
    }
}

/// Loads and tries the offline speech engines in the background, so the first call finds them
/// ready and a machine that cannot run them says so in the log at start-up.
async fn check_speech(speech: settings::SpeechSettings) {
    let failed = voices::check_offline_engines(&speech).await;
    if failed.is_empty() {
        tracing::debug!(stt = %speech.stt, tts = %speech.tts, "speech engines ready");
    }
    for why in failed {
        tracing::error!(error = %why, "a speech engine cannot run; calls go on without it");
    }
}
