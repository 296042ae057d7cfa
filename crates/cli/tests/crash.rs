//! A server killed with SIGKILL in the middle of a call restarts and reconciles the call:
//! ended with `server_restart`, charged exactly once for the time it ran. Runs the real
//! binary as a child process, on SQLite and on Postgres.

mod common;

use agentline_store::test_support::Engine;
use common::{bootstrap, call_json, fresh_setup, receiver, start, start_with, zone_at_noon};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn killed_mid_call_is_reconciled_and_charged_once(engine: Engine) {
    let (db, dir) = fresh_setup(engine).await;
    let creds = bootstrap(&db, dir.path(), &["--account", "Crash", "--rate-cents-per-minute", "60"]);
    let key = creds["api_key"].as_str().unwrap();
    let client = reqwest::Client::new();

    let mut server = start(&db, dir.path(), &client).await;
    let base = server.base.clone();
    let (hook, inbox) = receiver().await;
    call_json(&client, key, format!("{base}/v1/webhook-endpoints"), Some(json!({"url": hook})), None).await;
    let agent = call_json(&client, key, format!("{base}/v1/agents"), Some(json!({"name": "Riley"})), None).await;
    call_json(
        &client,
        key,
        format!("{base}/v1/numbers"),
        Some(json!({"phone_number": "+14155550150", "agent_id": agent["id"]})),
        None,
    )
    .await;
    // Stays on the line until something ends it.
    let call = call_json(
        &client,
        key,
        format!("{base}/v1/calls"),
        Some(json!({"agent_id": agent["id"], "to": "+14155550107"})),
        None,
    )
    .await;
    let id = call["id"].as_str().unwrap().to_owned();
    let later = json!({"agent_id": agent["id"], "to": "+14155550100", "start_at": "2099-01-01T00:00:00Z"});
    let scheduled = call_json(&client, key, format!("{base}/v1/calls"), Some(later.clone()), Some("survives")).await;
    let started = Instant::now();
    loop {
        let now = call_json(&client, key, format!("{base}/v1/calls/{id}"), None, None).await;
        if now["status"] == "in_progress" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill();

    for restart in 0..2 {
        let mut server = start(&db, dir.path(), &client).await;
        let base = server.base.clone();
        let ended = call_json(&client, key, format!("{base}/v1/calls/{id}"), None, None).await;
        assert_eq!(
            (ended["status"].as_str(), ended["end_reason"].as_str()),
            (Some("completed"), Some("server_restart")),
            "{ended}"
        );
        let seconds = ended["duration"].as_i64().unwrap();
        assert!((1..=5).contains(&seconds), "charged for the time it ran: {ended}");
        assert_eq!(ended["cost_cents"].as_i64(), Some(seconds), "60 cents a minute is a cent a second");
        let ledger = call_json(&client, key, format!("{base}/v1/balance/ledger"), None, None).await;
        let charges = ledger["data"].as_array().unwrap().iter().filter(|e| e["call_id"] == ended["id"]).count();
        assert_eq!(charges, 1, "restart {restart}: exactly one charge: {ledger}");
        let balance = call_json(&client, key, format!("{base}/v1/balance"), None, None).await;
        assert_eq!(balance["balance_cents"].as_i64(), Some(1000 - seconds));
        // The idempotency record survived too: the retry answers with the first call.
        let replay = call_json(&client, key, format!("{base}/v1/calls"), Some(later.clone()), Some("survives")).await;
        assert_eq!(replay["id"], scheduled["id"]);
        // Every event of the killed call reaches the receiver exactly once, the reconciled end included.
        let started = Instant::now();
        let delivered = loop {
            let got: Vec<String> = inbox
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, b)| b["call_id"] == ended["id"])
                .map(|(_, b)| b["type"].as_str().unwrap_or("").to_owned())
                .collect();
            if got.last().is_some_and(|t| t == "call.analyzed") || started.elapsed() > Duration::from_secs(15) {
                break got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The reconciled end is a completed call, so its analysis (skipped: no model) follows it.
        assert_eq!(
            delivered,
            [
                "call.queued",
                "call.initiated",
                "call.ringing",
                "call.answered",
                "call.in_progress",
                "call.completed",
                "call.analyzed"
            ]
        );
        server.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_call_sqlite() {
    killed_mid_call_is_reconciled_and_charged_once(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_call_postgres() {
    killed_mid_call_is_reconciled_and_charged_once(Engine::Postgres).await;
}

/// A campaign's server is killed mid-run, twice: after restarts every contact is reached
/// exactly once — the calls the kills cut (`server_restart`) are dialled again without counting
/// as attempts, and no call exists that no contact's attempt names.
async fn killed_mid_campaign_loses_no_contact_and_dials_none_twice(engine: Engine) {
    let (db, dir) = fresh_setup(engine).await;
    let creds = bootstrap(&db, dir.path(), &["--account", "Crash"]);
    let key = creds["test_api_key"].as_str().unwrap();
    let client = reqwest::Client::new();
    let fast = [("AGENTLINE_SANDBOX__SPEED", "4")];
    let mut server = start_with(&db, dir.path(), &client, &fast).await;
    let base = server.base.clone();
    let vars = json!({"name": "Riley"});
    let agent = call_json(&client, key, format!("{base}/v1/agents"), Some(vars), None).await;
    let number = json!({"phone_number": "+14155550150", "agent_id": agent["id"]});
    call_json(&client, key, format!("{base}/v1/numbers"), Some(number), None).await;
    // …0112 answers and hangs up after 2 s: long enough for a kill to cut some calls.
    let rows: Vec<Value> =
        (0..30).map(|_| json!({"phone_number": "+14155550112", "timezone": zone_at_noon()})).collect();
    let every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let body = json!({
        "name": "Crash", "agent_id": agent["id"], "contacts": rows, "start": true, "max_concurrent": 6,
        "calls_per_minute": 1200, "window": {"start": "08:00", "end": "21:00", "days": every_day},
    });
    let campaign = call_json(&client, key, format!("{base}/v1/campaigns"), Some(body), None).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    for kill in [6, 14] {
        let started = Instant::now();
        loop {
            let now = call_json(&client, key, format!("{}/v1/campaigns/{id}", server.base), None, None).await;
            if now["counts"]["completed"].as_i64().unwrap_or(0) >= kill
                && now["counts"]["in_progress"].as_i64() > Some(0)
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{now}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill(); // with calls in progress
        server = start_with(&db, dir.path(), &client, &fast).await;
    }
    let started = Instant::now();
    let done = loop {
        let now = call_json(&client, key, format!("{}/v1/campaigns/{id}", server.base), None, None).await;
        if now["status"] == "completed" {
            break now;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (done["counts"]["completed"].as_i64(), done["counts"]["total"].as_i64()),
        (Some(30), Some(30)),
        "{done}"
    );

    let page =
        call_json(&client, key, format!("{}/v1/campaigns/{id}/contacts?limit=500", server.base), None, None).await;
    let mut named = Vec::new();
    let mut interrupted = 0;
    for contact in page["data"].as_array().unwrap() {
        let attempts = contact["attempts"].as_array().unwrap();
        let (last, cut) = attempts.split_last().unwrap();
        assert_eq!(
            (last["outcome"].as_str(), contact["attempt_count"].as_i64()),
            (Some("answered"), Some(1)),
            "{contact}"
        );
        assert!(cut.iter().all(|a| a["outcome"] == "interrupted"), "only cut calls before the answer: {contact}");
        interrupted += cut.len();
        named.extend(attempts.iter().map(|a| a["call_id"].as_str().unwrap().to_owned()));
    }
    assert!(interrupted > 0, "the kills cut calls in progress");
    let calls = call_json(&client, key, format!("{}/v1/calls?limit=100", server.base), None, None).await;
    let mut placed: Vec<String> = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["campaign_id"] == id.as_str())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(calls["has_more"] == false, "{calls}");
    placed.sort();
    named.sort();
    assert_eq!(placed, named, "every call of the campaign is one attempt of one contact, and each only once");
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_campaign_sqlite() {
    killed_mid_campaign_loses_no_contact_and_dials_none_twice(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_campaign_postgres() {
    killed_mid_campaign_loses_no_contact_and_dials_none_twice(Engine::Postgres).await;
}
