//! Three nodes on one Postgres carry 300 sandbox calls, and one of them is killed with SIGKILL
//! in the middle. Afterwards every call has ended, each answered one is charged exactly once,
//! every event reached the webhook receiver (a retry carries the same `webhook-id`), the account's
//! concurrency limit held, and live event streams opened on the surviving nodes saw every event
//! of their calls. Runs the real binary as child processes.

mod common;

use agentline_store::Store;
use agentline_store::test_support::{Engine, pool};
use common::settled::{
    assert_charged_once, assert_every_event_delivered, count, loaded_node, most_at_once, wait_settled,
};
use common::{bootstrap, call_json, fresh_setup, receiver};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const CALLS: usize = 300;
const LIMIT: usize = 20;
/// Every tenth call is followed by a live event stream on a surviving node.
const STREAM_EVERY: usize = 10;

/// Reads a call's live event stream to its end: the event ids in order.
async fn stream_ids(client: reqwest::Client, url: String, key: String) -> Vec<String> {
    let response = client.get(url).bearer_auth(key).header("accept", "text/event-stream").send().await.unwrap();
    let text = tokio::time::timeout(Duration::from_secs(120), response.text()).await.unwrap().unwrap();
    text.lines().filter_map(|l| l.strip_prefix("id:")).map(|id| id.trim().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_carry_300_calls_through_a_sigkill() {
    let (db, dir) = fresh_setup(Engine::Postgres).await;
    let limit = LIMIT.to_string();
    let creds = bootstrap(
        &db,
        dir.path(),
        &["--account", "Cluster", "--concurrency-limit", &limit, "--balance-cents", "1000000"],
    );
    let key = creds["api_key"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let mut nodes = vec![loaded_node(&db, dir.path(), "n1").await, loaded_node(&db, dir.path(), "n2").await];
    nodes.push(loaded_node(&db, dir.path(), "n3").await);
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();

    let (hook, inbox) = receiver().await;
    call_json(&client, &key, format!("{}/v1/webhook-endpoints", bases[0]), Some(json!({"url": hook})), None).await;
    let agent = call_json(&client, &key, format!("{}/v1/agents", bases[0]), Some(json!({"name": "Riley"})), None).await;
    let number = json!({"phone_number": "+14155550150", "agent_id": agent["id"]});
    call_json(&client, &key, format!("{}/v1/numbers", bases[0]), Some(number), None).await;

    // 300 calls, spread over the three nodes; …0100 answers and hangs up about a second later.
    let mut ids = Vec::new();
    let mut streams = Vec::new();
    let started = Instant::now();
    for i in 0..CALLS {
        let base = &bases[i % 3];
        let body = json!({"agent_id": agent["id"], "to": "+14155550100"});
        let call = call_json(&client, &key, format!("{base}/v1/calls"), Some(body), None).await;
        let id = call["id"].as_str().unwrap_or_else(|| panic!("{call}")).to_owned();
        if i % STREAM_EVERY == 0 {
            // On a node that survives.
            let url = format!("{}/v1/calls/{id}/events", bases[1 + i / STREAM_EVERY % 2]);
            streams.push((id.clone(), tokio::spawn(stream_ids(client.clone(), url, key.clone()))));
        }
        ids.push(id);
    }
    let store = Store::connect(&db.url).await.unwrap();
    // Kill n1 once a third of the calls are done and it runs some.
    loop {
        let done = count(&store, "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL").await;
        let on_n1 = count(
            &store,
            "SELECT COUNT(*) FROM calls WHERE owner_node = 'n1' AND ended_at IS NULL AND status <> 'queued'",
        )
        .await;
        if done >= 100 && on_n1 > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{done} done, {on_n1} live on n1");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    nodes[0].kill();

    wait_settled(&store).await;
    let took = started.elapsed();

    // Every call ended; n1's live ones as server_restart, taken over by the others.
    type End = (String, Option<String>, Option<String>, Option<i64>);
    let ends: Vec<End> = sqlx::query_as("SELECT status, end_reason, owner_node, duration_secs FROM calls")
        .fetch_all(pool(&store))
        .await
        .unwrap();
    assert_eq!(ends.len(), CALLS);
    let restarted = ends.iter().filter(|e| e.1.as_deref() == Some("server_restart")).count();
    assert!(restarted > 0, "the kill cut calls in progress");
    let by_node: HashSet<&str> = ends.iter().filter_map(|e| e.2.as_deref()).collect();
    assert_eq!(by_node.len(), 3, "all three nodes ran calls: {by_node:?}");

    assert_charged_once(&store).await;
    assert!(most_at_once(&store).await <= LIMIT, "the concurrency limit held across the nodes");
    assert_every_event_delivered(&store, &inbox).await;

    // The streams on the surviving nodes saw each of their call's events, in order.
    for (id, stream) in streams {
        let seen = tokio::time::timeout(Duration::from_secs(30), stream).await.unwrap().unwrap();
        let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM call_events WHERE call_id = $1 ORDER BY id")
            .bind(&id)
            .fetch_all(pool(&store))
            .await
            .unwrap();
        assert!(!seen.is_empty() && stored.starts_with(&seen), "{id}: saw {seen:?} of {stored:?}");
        let last: String = sqlx::query_scalar("SELECT type FROM call_events WHERE id = $1")
            .bind(seen.last().unwrap())
            .fetch_one(pool(&store))
            .await
            .unwrap();
        assert!(["call.completed", "call.failed"].contains(&last.as_str()), "{id} stream ended at {last}");
    }
    eprintln!("{CALLS} calls over 3 nodes, one killed: {restarted} cut, all settled in {took:?}");
    for node in &mut nodes[1..] {
        node.kill();
    }
}
