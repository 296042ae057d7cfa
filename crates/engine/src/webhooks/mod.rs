//! Webhook delivery: the worker that sends the outbox's due deliveries, signed with the
//! Standard Webhooks scheme, retried on a schedule, guarded against private addresses.

pub mod guard;
mod lanes;
pub mod retry;

use crate::settings::Settings;
use agentline_domain::webhook::{klen_signature, signature_header};
use agentline_domain::{SecretString, Timestamp};
use agentline_store::Store;
use agentline_store::webhook_format;
use agentline_store::webhooks::{self, Delivery, Outcome};
use futures_util::future::join_all;
use rand::RngExt as _;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, mpsc, watch};

/// How long a claimed delivery stays hidden from other workers while it is being sent.
const LEASE_SECS: i64 = 60;
const EXCERPT_BYTES: usize = 500;

/// Sends due deliveries.
pub struct WebhookWorker {
    store: Store,
    settings: Arc<Settings>,
    client: reqwest::Client,
    wake: Notify,
    lanes: lanes::Lanes,
}

/// A destination's signing secrets, or why it has none any more.
type Secrets = Result<Vec<SecretString>, &'static str>;

impl WebhookWorker {
    pub fn new(store: Store, settings: Arc<Settings>) -> anyhow::Result<Arc<Self>> {
        let builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.webhooks.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("agentline-webhooks/", env!("CARGO_PKG_VERSION")));
        let client = guard::guarded(builder, settings.webhook_allow_private).build()?;
        let lanes = lanes::Lanes::new(settings.webhooks.per_receiver);
        Ok(Arc::new(Self { store, client, settings, wake: Notify::new(), lanes }))
    }

    /// Asks the worker to look for deliveries now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// One round: claims the deliveries due at `now`, sends them concurrently and records
    /// each outcome, scheduling retries from `now`. Returns how many were attempted. Tests
    /// drive this with a clock of their own.
    pub async fn deliver_due(&self, now: Timestamp) -> agentline_store::Result<usize> {
        let due = webhooks::claim_due(&self.store, now, LEASE_SECS, self.settings.webhooks.batch_size).await?;
        let destinations = self.destinations(&due, now).await?;
        let outcomes = join_all(
            due.iter().map(|delivery| self.attempt(delivery, &destinations[&webhooks::destination_key(delivery)], now)),
        )
        .await;
        let results: Vec<(&Delivery, &Outcome)> = due.iter().zip(outcomes.iter()).collect();
        webhooks::record_attempts(&self.store, &results, now).await?;
        Ok(due.len())
    }

    /// The signing secrets of each destination of `due`, read once per destination.
    async fn destinations(
        &self,
        due: &[Delivery],
        now: Timestamp,
    ) -> agentline_store::Result<HashMap<String, Secrets>> {
        let mut destinations: HashMap<String, Secrets> = HashMap::new();
        for delivery in due {
            if let Entry::Vacant(slot) = destinations.entry(webhooks::destination_key(delivery)) {
                slot.insert(webhooks::destination(&self.store, delivery, now).await?);
            }
        }
        Ok(destinations)
    }

    async fn attempt(&self, delivery: &Delivery, destination: &Secrets, now: Timestamp) -> Outcome {
        let secrets = match destination {
            Ok(secrets) => secrets,
            // Nothing to retry: the destination itself is gone.
            Err(why) => {
                return Outcome {
                    status_code: None,
                    latency_ms: 0,
                    response_excerpt: None,
                    error: Some((*why).to_owned()),
                    retry_at: None,
                    delivered: false,
                };
            }
        };
        let started = Instant::now();
        let result = self.send(delivery, secrets).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let attempts_made = usize::try_from(delivery.attempts + 1).unwrap_or(usize::MAX);
        let jitter = rand::rng().random_range(-1.0..=1.0);
        let schedule = &self.settings.webhooks.retry_schedule_secs;
        match result {
            Ok((status, _, excerpt)) if (200..300).contains(&status) => Outcome {
                status_code: Some(i64::from(status)),
                latency_ms,
                response_excerpt: Some(excerpt),
                error: None,
                retry_at: None,
                delivered: true,
            },
            Ok((status, retry_after, excerpt)) => {
                let honoured = matches!(status, 429 | 503).then_some(retry_after).flatten();
                Outcome {
                    status_code: Some(i64::from(status)),
                    latency_ms,
                    response_excerpt: Some(excerpt),
                    error: Some(format!("the receiver answered {status}")),
                    retry_at: retry::next_attempt(schedule, attempts_made, now, honoured, jitter),
                    delivered: false,
                }
            }
            Err(error) => Outcome {
                status_code: None,
                latency_ms,
                response_excerpt: None,
                error: Some(error),
                retry_at: retry::next_attempt(schedule, attempts_made, now, None, jitter),
                delivered: false,
            },
        }
    }

    /// POSTs the delivery; the status, `Retry-After` and the start of the body, or why it could not be sent.
    async fn send(&self, delivery: &Delivery, secrets: &[SecretString]) -> Result<(u16, Option<u64>, String), String> {
        if let Err(why) = guard::check_url(&delivery.url, self.settings.webhook_allow_private).await {
            return Err(format!("refused by the SSRF guard: the URL {why}"));
        }
        let secrets: Vec<&str> = secrets.iter().map(|s| s.expose()).collect();
        let _lane = self.lanes.enter(&delivery.url).await;
        // The signature time is when the request really leaves, whatever clock schedules retries.
        let sent_at = Timestamp::now().datetime().timestamp();
        let signature = signature_header(&secrets, delivery.event_id.as_str(), sent_at, delivery.body.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("webhook-id", delivery.event_id.as_str())
            .header("webhook-timestamp", sent_at.to_string())
            .header("webhook-signature", signature);
        // Klen's receivers check their own header, signed with the current secret.
        if delivery.format == webhook_format::KLEN
            && let Some(secret) = secrets.first()
        {
            request = request.header("x-klen-signature", klen_signature(secret, delivery.body.as_bytes()));
        }
        let response = request.body(delivery.body.clone()).send().await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let retry_after = retry::parse_retry_after(response.headers().get("retry-after").and_then(|v| v.to_str().ok()));
        let body = response.bytes().await.unwrap_or_default();
        let excerpt = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]).into_owned();
        Ok((status, retry_after, excerpt))
    }

    /// Delivers until `stop` turns true. Unlike [`Self::deliver_due`]'s rounds, deliveries do not
    /// wait for each other: a slow receiver holds only its own lanes, the worker claims more as
    /// soon as any attempt ends, and outcomes are written in batches by one recorder.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let limit = usize::try_from(self.settings.webhooks.batch_size).unwrap_or(64).saturating_mul(4);
        let slots = Arc::new(Semaphore::new(limit));
        let (done, outcomes) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(record(Arc::clone(&self), outcomes));
        while !*stop.borrow() {
            let free = slots.available_permits();
            let claimed = match self.dispatch(free, &slots, &done).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::error!(error = %err, "webhook delivery round failed");
                    0
                }
            };
            if claimed > 0 && slots.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
                permit = Arc::clone(&slots).acquire_owned(), if free == 0 => drop(permit),
                _ = stop.changed() => {}
            }
        }
        drop(done);
        let _ = recorder.await;
    }

    /// Claims up to `free` due deliveries and sends each on a task of its own.
    async fn dispatch(
        self: &Arc<Self>,
        free: usize,
        slots: &Arc<Semaphore>,
        done: &mpsc::UnboundedSender<(Delivery, Outcome)>,
    ) -> agentline_store::Result<usize> {
        if free == 0 {
            return Ok(0);
        }
        let now = Timestamp::now();
        let limit = i64::try_from(free).unwrap_or(i64::MAX).min(self.settings.webhooks.batch_size);
        let due = webhooks::claim_due(&self.store, now, LEASE_SECS, limit).await?;
        let destinations = self.destinations(&due, now).await?;
        let claimed = due.len();
        for delivery in due {
            let Ok(slot) = Arc::clone(slots).try_acquire_owned() else { break };
            let secrets =
                destinations.get(&webhooks::destination_key(&delivery)).cloned().unwrap_or(Err("no destination"));
            let (worker, done) = (Arc::clone(self), done.clone());
            tokio::spawn(async move {
                let outcome = worker.attempt(&delivery, &secrets, Timestamp::now()).await;
                drop(slot);
                let _ = done.send((delivery, outcome));
            });
        }
        Ok(claimed)
    }
}

/// Writes attempts' outcomes as they come, many to a transaction, then wakes the worker: a
/// call's next event may now go. One that cannot be written leaves its delivery leased: it is
/// sent again when the lease ends (at least once).
async fn record(worker: Arc<WebhookWorker>, mut outcomes: mpsc::UnboundedReceiver<(Delivery, Outcome)>) {
    while let Some(first) = outcomes.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match outcomes.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let results: Vec<(&Delivery, &Outcome)> = batch.iter().map(|(d, o)| (d, o)).collect();
        if let Err(err) = webhooks::record_attempts(&worker.store, &results, Timestamp::now()).await {
            tracing::error!(error = %err, "webhook attempts could not be recorded; they are sent again after the lease");
        }
        worker.wake();
    }
}

/// A transport error in a sentence, with its causes (reqwest's top line alone says little).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { "timed out".to_owned() } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
