//! Loads of calls through served binaries, and the checks that they settled: every call ended,
//! each answered call charged once, every event delivered, the concurrency limit held.

use super::{Inbox, Server, start_with};
use agentline_domain::Timestamp;
use agentline_store::Store;
use agentline_store::test_support::{TestDatabase, pool};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A node for load: a fast sandbox (…0100 answers and hangs up about a second later), budgets
/// that never throttle, webhook retries a second apart.
pub(crate) async fn loaded_node(db: &TestDatabase, dir: &std::path::Path, name: &str) -> Server {
    let env = [
        ("AGENTLINE_CALLS__NODE_ID", name),
        ("AGENTLINE_CALLS__DISPATCH_INTERVAL_MS", "50"),
        ("AGENTLINE_SANDBOX__SPEED", "4"),
        ("AGENTLINE_RATE_LIMITS__CALLS_CREATE_PER_MINUTE", "100000"),
        ("AGENTLINE_RATE_LIMITS__READ_PER_MINUTE", "100000"),
        ("AGENTLINE_RATE_LIMITS__WRITE_PER_MINUTE", "100000"),
        ("AGENTLINE_WEBHOOKS__RETRY_SCHEDULE_SECS", "[1, 1, 2]"),
    ];
    start_with(db, &dir.join(name), &reqwest::Client::new(), &env).await
}

pub(crate) async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool(store)).await.unwrap()
}

/// Waits (at most 90 s) until `sql` counts nothing.
pub(crate) async fn wait_until_zero(store: &Store, sql: &'static str, what: &str) {
    let started = Instant::now();
    while count(store, sql).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(90), "{what}: {}", count(store, sql).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every call has ended and every webhook delivery has been delivered.
pub(crate) async fn wait_settled(store: &Store) {
    wait_until_zero(store, "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL", "calls not ended").await;
    wait_until_zero(store, "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'", "undelivered").await;
}

/// The most calls that held a slot at one instant, from when each was dispatched to its end.
pub(crate) async fn most_at_once(store: &Store) -> usize {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT initiated_at, ended_at FROM calls WHERE initiated_at IS NOT NULL")
            .fetch_all(pool(store))
            .await
            .unwrap();
    let mut edges: Vec<(Timestamp, i32)> = Vec::new();
    for (start, end) in rows {
        // An end sorts before a start at the same instant: the slot was freed, then reused.
        edges.push((Timestamp::parse(&start).unwrap(), 1));
        edges.push((Timestamp::parse(&end).unwrap(), -1));
    }
    edges.sort();
    let (mut now, mut most) = (0, 0);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap()
}

/// Each answered call has exactly one charge, and no other call has any.
pub(crate) async fn assert_charged_once(store: &Store) {
    let charges: Vec<(String, i64)> =
        sqlx::query_as("SELECT call_id, COUNT(*) FROM ledger_entries WHERE call_id IS NOT NULL GROUP BY call_id")
            .fetch_all(pool(store))
            .await
            .unwrap();
    assert!(charges.iter().all(|(_, n)| *n == 1), "a call charged twice");
    let answered = count(store, "SELECT COUNT(*) FROM calls WHERE duration_secs > 0").await;
    assert_eq!(i64::try_from(charges.len()).unwrap(), answered, "every answered call charged, no other");
}

/// Every stored event reached the receiver; a delivery received twice (a retry) kept its
/// `webhook-id` and its event.
pub(crate) async fn assert_every_event_delivered(store: &Store, inbox: &Inbox) {
    let events: Vec<String> = sqlx::query_scalar("SELECT id FROM call_events").fetch_all(pool(store)).await.unwrap();
    let received = inbox.lock().unwrap().clone();
    let mut bodies: HashMap<&str, &Value> = HashMap::new();
    for (id, body) in &received {
        let first = bodies.entry(id.as_str()).or_insert(body);
        assert_eq!(first["type"], body["type"], "one webhook-id, one event: {id}");
    }
    let missing: Vec<&String> = events.iter().filter(|id| !bodies.contains_key(id.as_str())).collect();
    assert!(missing.is_empty(), "{} events never delivered: {missing:?}", missing.len());
}
