//! Webhook delivery: the worker that sends the outbox's due deliveries, signed with the
//! Standard Webhooks scheme, retried on a schedule, guarded against private addresses.

pub mod guard;
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
use tokio::sync::{Notify, watch};

/// How long a claimed delivery stays hidden from other workers while it is being sent.
const LEASE_SECS: i64 = 60;
const EXCERPT_BYTES: usize = 500;

/// Sends due deliveries.
pub struct WebhookWorker {
    store: Store,
    settings: Arc<Settings>,
    client: reqwest::Client,
    wake: Notify,
}

impl WebhookWorker {
    pub fn new(store: Store, settings: Arc<Settings>) -> anyhow::Result<Arc<Self>> {
        let builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.webhooks.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("agentline-webhooks/", env!("CARGO_PKG_VERSION")));
        let client = guard::guarded(builder, settings.webhook_allow_private).build()?;
        Ok(Arc::new(Self { store, client, settings, wake: Notify::new() }))
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
        let mut destinations: HashMap<String, Result<Vec<SecretString>, &'static str>> = HashMap::new();
        for delivery in &due {
            if let Entry::Vacant(slot) = destinations.entry(webhooks::destination_key(delivery)) {
                slot.insert(webhooks::destination(&self.store, delivery, now).await?);
            }
        }
        let outcomes = join_all(
            due.iter().map(|delivery| self.attempt(delivery, &destinations[&webhooks::destination_key(delivery)], now)),
        )
        .await;
        let results: Vec<(&Delivery, &Outcome)> = due.iter().zip(outcomes.iter()).collect();
        webhooks::record_attempts(&self.store, &results, now).await?;
        Ok(due.len())
    }

    async fn attempt(
        &self,
        delivery: &Delivery,
        destination: &Result<Vec<SecretString>, &'static str>,
        now: Timestamp,
    ) -> Outcome {
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

    /// Delivers until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let sent = match self.deliver_due(Timestamp::now()).await {
                Ok(sent) => sent,
                Err(err) => {
                    tracing::error!(error = %err, "webhook delivery round failed");
                    0
                }
            };
            if sent > 0 {
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = stop.changed() => {}
            }
        }
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
