//! Webhooks: endpoints, the delivery outbox and the attempt log.
//!
//! Deliveries are rows written by [`enqueue`] inside the transaction that records the call
//! event, so an acknowledged state change always has its deliveries, and a crash between
//! commit and sending loses nothing: the worker finds the rows when it comes back.

use crate::calls::Call;
use crate::events::CallEventRecord;
use crate::record::{Tenant, insert};
use crate::webhook_format;
use crate::{Dialect, Error, Result, Store};
use agentline_domain::{AccountId, AttemptId, CallId, DeliveryId, EndpointId, EventId, SecretString, Timestamp};
use serde::Serialize;
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// An account-level destination for events.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Endpoint {
    pub id: EndpointId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub url: String,
    pub description: Option<String>,
    /// Event types delivered here; empty means all.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// The payload and signature style: `standard` (Standard Webhooks), `klen` or `kaicalls`.
    pub format: String,
    #[serde(skip)]
    pub secret: SecretString,
    #[serde(skip)]
    pub previous_secret: Option<SecretString>,
    /// Until when the previous secret still signs deliveries (after a rotation).
    pub previous_secret_expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Endpoint {
    pub fn wants(&self, event_type: &str) -> bool {
        self.enabled && (self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type))
    }
}

crate::column::record! {
    Endpoint in "webhook_endpoints", business_scoped: false {
        id: parsed,
        account_id: parsed,
        url: text,
        description: opt_text,
        event_types: json,
        enabled: flag,
        format: text,
        secret: secret,
        previous_secret: opt_secret,
        previous_secret_expires_at: opt_time,
        created_at: time,
        updated_at: time,
    }
}

/// One event on its way to one URL.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: DeliveryId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub event_id: EventId,
    pub event_type: String,
    pub call_id: Option<CallId>,
    pub endpoint_id: Option<EndpointId>,
    /// `endpoint`, `agent` (the agent's webhook_url) or `call` (the call's webhook_url).
    pub source: String,
    pub url: String,
    /// The payload and signature style it is sent in (see [`Endpoint::format`]).
    pub format: String,
    /// The exact JSON body sent.
    #[serde(skip)]
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Delivery in "webhook_deliveries", business_scoped: false {
        id: parsed,
        account_id: parsed,
        event_id: parsed,
        event_type: text,
        call_id: opt_parsed,
        endpoint_id: opt_parsed,
        source: text,
        url: text,
        format: text,
        body: text,
        status: text,
        attempts: int,
        next_attempt_at: time,
        last_status_code: opt_int,
        last_error: opt_text,
        delivered_at: opt_time,
        created_at: time,
        updated_at: time,
    }
}

/// One try at a delivery: what the receiver answered and how long it took.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub id: AttemptId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub delivery_id: DeliveryId,
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// The first 500 bytes of the response body.
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
}

crate::column::record! {
    Attempt in "webhook_attempts", business_scoped: false {
        id: parsed,
        account_id: parsed,
        delivery_id: parsed,
        attempt: int,
        status_code: opt_int,
        latency_ms: int,
        response_excerpt: opt_text,
        error: opt_text,
        created_at: time,
    }
}

/// Writes a pending delivery of `event` to each destination that wants it: the account's
/// enabled endpoints subscribed to its type, the agent's webhook URL (`agent_webhook_url`) and
/// the call's own (`webhook_url`), each as the call stored it, each in its destination's format.
pub async fn enqueue(conn: &mut AnyConnection, event: &CallEventRecord, call: &Call) -> Result<()> {
    let endpoints: Vec<Endpoint> =
        sqlx::query_as("SELECT * FROM webhook_endpoints WHERE account_id = $1 AND enabled = 1 ORDER BY id")
            .bind(event.account_id.as_str())
            .fetch_all(&mut *conn)
            .await?;
    let mut targets: Vec<Target> = endpoints
        .iter()
        .filter(|e| e.wants(&event.event_type))
        .map(|e| Target {
            endpoint_id: Some(e.id.clone()),
            source: "endpoint",
            url: e.url.clone(),
            format: e.format.clone(),
        })
        .collect();
    let own = [
        ("agent", call.agent_webhook_url.as_deref(), webhook_format::STANDARD),
        ("call", call.webhook_url.as_deref(), call.webhook_format.as_str()),
    ];
    for (source, url, format) in own {
        if let Some(url) = url
            && !targets.iter().any(|t| t.url == url)
        {
            targets.push(Target { endpoint_id: None, source, url: url.to_owned(), format: format.to_owned() });
        }
    }
    for target in targets {
        // A format that has no counterpart for this event sends nothing.
        let Some(body) = webhook_format::body(&target.format, event, call) else { continue };
        insert(&mut *conn, &target.delivery(event, body)).await?;
    }
    Ok(())
}

/// Writes a pending delivery of an account-level event (a campaign's) to each of the account's
/// enabled endpoints that wants its type, in the standard envelope. Per-call URLs and the seed
/// formats have no counterpart for these events.
pub async fn enqueue_account_event(
    conn: &mut AnyConnection,
    account: &AccountId,
    event_id: &EventId,
    event_type: &str,
    payload: &serde_json::Value,
    at: Timestamp,
) -> Result<()> {
    let endpoints: Vec<Endpoint> =
        sqlx::query_as("SELECT * FROM webhook_endpoints WHERE account_id = $1 AND enabled = 1 ORDER BY id")
            .bind(account.as_str())
            .fetch_all(&mut *conn)
            .await?;
    let body = crate::row::to_json(&serde_json::json!({
        "id": event_id, "type": event_type, "event": event_type, "created_at": at, "data": payload,
    }));
    for endpoint in endpoints.iter().filter(|e| e.wants(event_type) && e.format == webhook_format::STANDARD) {
        let delivery = Delivery {
            id: DeliveryId::generate(),
            account_id: account.clone(),
            event_id: event_id.clone(),
            event_type: event_type.to_owned(),
            call_id: None,
            endpoint_id: Some(endpoint.id.clone()),
            source: "endpoint".to_owned(),
            url: endpoint.url.clone(),
            format: endpoint.format.clone(),
            body: body.clone(),
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: at,
            last_status_code: None,
            last_error: None,
            delivered_at: None,
            created_at: at,
            updated_at: at,
        };
        insert(&mut *conn, &delivery).await?;
    }
    Ok(())
}

/// One destination of an event.
struct Target {
    endpoint_id: Option<EndpointId>,
    source: &'static str,
    url: String,
    format: String,
}

impl Target {
    fn delivery(self, event: &CallEventRecord, body: String) -> Delivery {
        Delivery {
            id: DeliveryId::generate(),
            account_id: event.account_id.clone(),
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            call_id: Some(event.call_id.clone()),
            endpoint_id: self.endpoint_id,
            source: self.source.to_owned(),
            url: self.url,
            format: self.format,
            body,
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: event.created_at,
            last_status_code: None,
            last_error: None,
            delivered_at: None,
            created_at: event.created_at,
            updated_at: event.created_at,
        }
    }
}

/// Takes up to `limit` due deliveries for sending, leasing them for `lease_secs` so other
/// workers (other nodes) skip them. A delivery waits while an earlier one of the same call
/// to the same destination is still pending, so receivers see each call's events in order.
pub async fn claim_due(store: &Store, now: Timestamp, lease_secs: i64, limit: i64) -> Result<Vec<Delivery>> {
    let mut tx = store.begin_write().await?;
    let lock = match store.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT * FROM webhook_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.call_id = d.call_id AND e.url = d.url \
                         AND e.source = d.source AND COALESCE(e.endpoint_id, '') = COALESCE(d.endpoint_id, '') \
                         AND e.status = 'pending' AND e.id < d.id) \
         ORDER BY d.id LIMIT $2{lock}"
    );
    let due: Vec<Delivery> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now.to_db()).bind(limit).fetch_all(&mut *tx).await?;
    let lease = now.plus_seconds(lease_secs).to_db();
    for delivery in &due {
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2")
            .bind(&lease)
            .bind(delivery.id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(due)
}

/// What happened when a delivery was tried.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    /// `None`: delivered (or given up, see `give_up`); `Some`: try again then.
    pub retry_at: Option<Timestamp>,
    pub delivered: bool,
}

/// Logs each attempt of a round and moves its delivery on (delivered, retried later, or
/// failed), all in one transaction: one commit per round rather than per delivery.
pub async fn record_attempts(store: &Store, results: &[(&Delivery, &Outcome)], now: Timestamp) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for (delivery, outcome) in results {
        let attempt = Attempt {
            id: AttemptId::generate(),
            account_id: delivery.account_id.clone(),
            delivery_id: delivery.id.clone(),
            attempt: delivery.attempts + 1,
            status_code: outcome.status_code,
            latency_ms: outcome.latency_ms,
            response_excerpt: outcome.response_excerpt.clone(),
            error: outcome.error.clone(),
            created_at: now,
        };
        insert(&mut *tx, &attempt).await?;
        let status = match (outcome.delivered, outcome.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, last_status_code = $3, \
             last_error = $4, delivered_at = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(status)
        .bind(outcome.retry_at.unwrap_or(now).to_db())
        .bind(outcome.status_code)
        .bind(outcome.error.clone())
        .bind(outcome.delivered.then(|| now.to_db()))
        .bind(now.to_db())
        .bind(delivery.id.as_str())
        .execute(&mut *tx)
        .await?;
    }
    let mut healthy: Vec<&str> = results.iter().filter(|(_, o)| o.delivered).map(|(d, _)| d.url.as_str()).collect();
    healthy.sort_unstable();
    healthy.dedup();
    for url in healthy {
        retry_now(&mut tx, url, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `url` just took a delivery: its deliveries waiting out a long retry after a transport failure
/// (timed out, connection refused — no HTTP status) go now, so a receiver that is up again does
/// not hold a call's later events for minutes. Receivers that answered an error status keep
/// their schedule (and their `Retry-After`). Rows due within a lease may be in flight: left alone.
async fn retry_now(conn: &mut AnyConnection, url: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE url = $2 AND status = 'pending' AND attempts > 0 \
         AND last_status_code IS NULL AND next_attempt_at > $3",
    )
    .bind(now.to_db())
    .bind(url)
    .bind(now.plus_seconds(LONG_RETRY_SECS).to_db())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Retries further away than this are pulled forward by a healthy receiver; nearer ones are
/// either soon anyway or a lease on a delivery being sent.
const LONG_RETRY_SECS: i64 = 120;

/// Where a delivery may still go: the secrets that sign it (its endpoint's, both during a
/// rotation's grace period; the account's for agent and call URLs), or why its endpoint can
/// no longer take it (deleted or disabled).
pub async fn destination(
    store: &Store,
    delivery: &Delivery,
    now: Timestamp,
) -> Result<Result<Vec<SecretString>, &'static str>> {
    let Some(endpoint_id) = &delivery.endpoint_id else {
        return Ok(Ok(vec![account_secret(store, &delivery.account_id).await?]));
    };
    let tenant = Tenant::account(delivery.account_id.clone());
    let endpoint = match crate::record::get::<Endpoint>(store, &tenant, endpoint_id.as_str()).await {
        Ok(endpoint) if endpoint.enabled => endpoint,
        Ok(_) => return Ok(Err("the endpoint is disabled")),
        Err(Error::NotFound) => return Ok(Err("the endpoint was deleted")),
        Err(other) => return Err(other),
    };
    let mut secrets = vec![endpoint.secret];
    if let (Some(previous), Some(until)) = (endpoint.previous_secret, endpoint.previous_secret_expires_at)
        && until > now
    {
        secrets.push(previous);
    }
    Ok(Ok(secrets))
}

/// What a round resolves once per destination rather than once per delivery.
pub fn destination_key(delivery: &Delivery) -> String {
    delivery.endpoint_id.as_ref().map_or_else(|| format!("account:{}", delivery.account_id), ToString::to_string)
}

/// The account's signing secret for agent and per-call webhook URLs, made on first use.
pub async fn account_secret(store: &Store, account_id: &AccountId) -> Result<SecretString> {
    let fresh = agentline_domain::webhook::generate_secret();
    sqlx::query("UPDATE accounts SET webhook_secret = $1 WHERE id = $2 AND webhook_secret IS NULL")
        .bind(&fresh)
        .bind(account_id.as_str())
        .execute(store.pool())
        .await?;
    let secret: Option<String> = sqlx::query_scalar("SELECT webhook_secret FROM accounts WHERE id = $1")
        .bind(account_id.as_str())
        .fetch_one(store.pool())
        .await?;
    secret.map(SecretString::new).ok_or(Error::NotFound)
}

/// Queues a delivery to be sent again now, keeping its event id so receivers can deduplicate.
pub async fn redeliver(store: &Store, tenant: &Tenant, id: &str, now: Timestamp) -> Result<()> {
    let done = sqlx::query("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, updated_at = $1 WHERE account_id = $2 AND id = $3")
        .bind(now.to_db())
        .bind(tenant.account_id.as_str())
        .bind(id)
        .execute(store.pool())
        .await?;
    if done.rows_affected() == 0 { Err(Error::NotFound) } else { Ok(()) }
}

/// A delivery's attempts, oldest first.
pub async fn attempts(store: &Store, tenant: &Tenant, delivery_id: &DeliveryId) -> Result<Vec<Attempt>> {
    Ok(sqlx::query_as("SELECT * FROM webhook_attempts WHERE account_id = $1 AND delivery_id = $2 ORDER BY id")
        .bind(tenant.account_id.as_str())
        .bind(delivery_id.as_str())
        .fetch_all(store.pool())
        .await?)
}

/// Gives up the pending deliveries of a deleted endpoint.
pub async fn abandon_for_endpoint(
    store: &Store,
    tenant: &Tenant,
    endpoint_id: &EndpointId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = 'the endpoint was deleted', updated_at = $1 \
         WHERE account_id = $2 AND endpoint_id = $3 AND status = 'pending'",
    )
    .bind(now.to_db())
    .bind(tenant.account_id.as_str())
    .bind(endpoint_id.as_str())
    .execute(store.pool())
    .await?;
    Ok(())
}
