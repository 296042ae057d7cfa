//! The analysis worker: takes due runs from the store under a lease, makes one attempt at each, and stores
//! the result (with `call.analyzed`) or schedules the next try, like the webhook worker does deliveries.

use super::run::{Step, attempt};
use crate::settings::Settings;
use crate::webhooks::{WebhookWorker, guard, retry};
use agentline_domain::Timestamp;
use agentline_domain::analysis::Analysis;
use agentline_store::Store;
use agentline_store::analysis::{self, Finished, Job};
use futures_util::future::join_all;
use rand::RngExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How long a claimed run stays hidden from other workers: longer than an attempt can take (two requests).
fn lease_secs(settings: &Settings) -> i64 {
    i64::try_from(settings.analysis.timeout_secs.saturating_mul(2) + 30).unwrap_or(i64::MAX / 4)
}

/// Runs due analyses.
pub struct AnalysisWorker {
    store: Store,
    settings: Arc<Settings>,
    http: reqwest::Client,
    webhooks: Arc<WebhookWorker>,
    wake: Notify,
}

impl AnalysisWorker {
    pub fn new(store: Store, settings: Arc<Settings>, webhooks: Arc<WebhookWorker>) -> anyhow::Result<Arc<Self>> {
        // Model URLs pass the webhooks' SSRF guard: checked before each run, and at every connection here.
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("agentline-analysis/", env!("CARGO_PKG_VERSION")));
        let http = guard::guarded(builder, settings.webhook_allow_private).build()?;
        Ok(Arc::new(Self { store, settings, http, webhooks, wake: Notify::new() }))
    }

    /// Asks the worker to look for runs now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// One round: claims the runs due at `now`, attempts them concurrently and records each outcome.
    /// Returns how many were attempted.
    pub async fn run_due(&self, now: Timestamp) -> agentline_store::Result<usize> {
        let due = analysis::claim_due(&self.store, now, lease_secs(&self.settings), self.settings.analysis.batch_size)
            .await?;
        let outcomes = join_all(due.iter().map(|job| attempt(&self.store, &self.settings, &self.http, job))).await;
        let mut finished_any = false;
        for (job, outcome) in due.iter().zip(outcomes) {
            match outcome {
                Ok(step) => finished_any |= self.record(job, step, now).await?,
                // The store failed mid-attempt: the lease runs out and the run is tried again.
                Err(err) => {
                    tracing::warn!(call_id = %job.call_id, run = job.run, error = %err, "analysis attempt failed")
                }
            }
        }
        if finished_any {
            self.webhooks.wake();
        }
        Ok(due.len())
    }

    /// Stores a finished run, or schedules the next try; true when a run finished.
    async fn record(&self, job: &Job, step: Step, now: Timestamp) -> agentline_store::Result<bool> {
        // The wait before a retry starts when the attempt ended (a round's clock may run ahead in tests).
        let now = now.max(Timestamp::now());
        let finished = match step {
            Step::Finish(finished) => *finished,
            Step::Retry { error, model, usage } => {
                let attempts_made = usize::try_from(job.attempts + 1).unwrap_or(usize::MAX);
                let jitter = rand::rng().random_range(-1.0..=1.0);
                let schedule = &self.settings.analysis.retry_schedule_secs;
                if let Some(at) = retry::next_attempt(schedule, attempts_made, now, None, jitter) {
                    tracing::info!(call_id = %job.call_id, run = job.run, error = %error, "analysis will be retried");
                    analysis::retry_later(&self.store, job, &error, at, now).await?;
                    return Ok(false);
                }
                let error = format!("{error} (after {attempts_made} attempts)");
                Finished {
                    analysis: Analysis::failed(job.run, Some(model), error),
                    summary: None,
                    quality_dimensions: None,
                    usage: Some(usage),
                }
            }
        };
        // Nothing to log when no tokens were reported.
        let finished = Finished { usage: finished.usage.filter(|u| *u != Default::default()), ..finished };
        let status = finished.analysis.status;
        let stored = analysis::finish(&self.store, job, &finished, now).await?;
        tracing::debug!(call_id = %job.call_id, run = job.run, ?status, stored, "analysis finished");
        Ok(stored)
    }

    /// Runs analyses until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let ran = match self.run_due(Timestamp::now()).await {
                Ok(ran) => ran,
                Err(err) => {
                    tracing::error!(error = %err, "analysis round failed");
                    0
                }
            };
            if ran > 0 {
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
