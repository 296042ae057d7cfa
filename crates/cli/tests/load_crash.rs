//! A server killed with SIGKILL in the middle of 200 live calls, with webhooks in flight and a
//! campaign running, then started again: every accepted call reaches its end, each answered one
//! is charged once, every event is delivered (under one webhook-id however often it is sent),
//! the concurrency limit held, and the campaign reaches each contact once — no one is dialled
//! twice for the same attempt. On SQLite and on Postgres; runs the real binary.

mod common;

use agentline_store::Store;
use agentline_store::test_support::Engine;
use common::settled::{
    assert_charged_once, assert_every_event_delivered, count, loaded_node, most_at_once, wait_settled,
};
use common::{bootstrap, call_json, fresh_setup, receiver, zone_at_noon};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CALLS: usize = 200;
const CONTACTS: usize = 20;
const LIMIT: usize = 25;

async fn killed_under_load_loses_nothing(engine: Engine) {
    let (db, dir) = fresh_setup(engine).await;
    let limit = LIMIT.to_string();
    let args = ["--account", "Load", "--concurrency-limit", &limit, "--balance-cents", "1000000"];
    let key = bootstrap(&db, dir.path(), &args)["api_key"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let mut server = loaded_node(&db, dir.path(), "solo").await;
    let base = server.base.clone();
    let post = |path: &str, body: Value| call_json(&client, &key, format!("{base}{path}"), Some(body), None);

    let (hook, inbox) = receiver().await;
    post("/v1/webhook-endpoints", json!({"url": hook})).await;
    let agent = post("/v1/agents", json!({"name": "Riley"})).await;
    post("/v1/numbers", json!({"phone_number": "+14155550150", "agent_id": agent["id"]})).await;
    let every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let rows: Vec<Value> =
        (0..CONTACTS).map(|_| json!({"phone_number": "+14155550112", "timezone": zone_at_noon()})).collect();
    let campaign = post(
        "/v1/campaigns",
        json!({
            "name": "Load", "agent_id": agent["id"], "contacts": rows, "start": true, "max_concurrent": 5,
            "calls_per_minute": 1200, "window": {"start": "08:00", "end": "21:00", "days": every_day},
        }),
    )
    .await;
    let campaign = campaign["id"].as_str().unwrap_or_else(|| panic!("{campaign}")).to_owned();
    for _ in 0..CALLS {
        let call = post("/v1/calls", json!({"agent_id": agent["id"], "to": "+14155550100"})).await;
        assert!(call["id"].is_string(), "{call}");
    }

    let store = Store::connect(&db.url).await.unwrap();
    let started = Instant::now();
    loop {
        let ended = count(&store, "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL").await;
        let live = count(&store, "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND status <> 'queued'").await;
        let undelivered = count(&store, "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'").await;
        if ended >= 60 && live >= 5 && undelivered > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{ended} ended, {live} live");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    let mut server = loaded_node(&db, dir.path(), "solo").await;

    wait_settled(&store).await;
    let restarted = count(&store, "SELECT COUNT(*) FROM calls WHERE end_reason = 'server_restart'").await;
    assert!(restarted > 0, "the kill cut calls in progress");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM calls WHERE campaign_id IS NULL").await,
        i64::try_from(CALLS).unwrap(),
        "every accepted call, and no other"
    );
    assert_charged_once(&store).await;
    assert!(most_at_once(&store).await <= LIMIT, "the concurrency limit held");
    assert_every_event_delivered(&store, &inbox).await;

    // The campaign: every contact reached once; calls the kill cut were dialled again without
    // counting as attempts; no call of the campaign that no contact's attempt names.
    let started = Instant::now();
    let contacts = loop {
        let done = call_json(&client, &key, format!("{}/v1/campaigns/{campaign}", server.base), None, None).await;
        if done["status"] == "completed" {
            let url = format!("{}/v1/campaigns/{campaign}/contacts?limit=100", server.base);
            break call_json(&client, &key, url, None, None).await;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{done}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut named = Vec::new();
    for contact in contacts["data"].as_array().unwrap() {
        let attempts = contact["attempts"].as_array().unwrap();
        let (last, cut) = attempts.split_last().unwrap();
        assert_eq!((last["outcome"].as_str(), contact["attempt_count"].as_i64()), (Some("answered"), Some(1)));
        assert!(cut.iter().all(|a| a["outcome"] == "interrupted"), "{contact}");
        named.extend(attempts.iter().map(|a| a["call_id"].as_str().unwrap().to_owned()));
    }
    let mut placed: Vec<String> = sqlx::query_scalar("SELECT id FROM calls WHERE campaign_id IS NOT NULL")
        .fetch_all(agentline_store::test_support::pool(&store))
        .await
        .unwrap();
    placed.sort();
    named.sort();
    assert_eq!(placed, named, "each campaign call is one attempt of one contact");
    eprintln!("{CALLS} calls and {CONTACTS} contacts through a SIGKILL: {restarted} cut, settled");
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_sqlite() {
    killed_under_load_loses_nothing(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_postgres() {
    killed_under_load_loses_nothing(Engine::Postgres).await;
}
