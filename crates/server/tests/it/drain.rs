//! Draining a node (SIGTERM, rolling upgrades): it starts no more calls and says so on
//! `/healthz`, serves requests while its live calls finish, and ends those still live at
//! `calls.drain_secs` (`server_restart`).

use crate::calls::wait_for;
use crate::helpers::{Engine, Stopping, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_engines!(a_stopping_node_lets_its_calls_finish_and_starts_no_more, calls_still_live_at_the_deadline_end);

/// A sandbox twice as fast as real time: `…0100` answers after 0.5 s and hangs up 2 s later.
fn fast(drain_secs: u64) -> impl FnOnce(&mut agentline_server::config::Config) {
    move |c| {
        c.engine.sandbox.speed = 2.0;
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.calls.drain_secs = drain_secs;
    }
}

/// A node (draining for at most `drain_secs`) with an account, an agent with a number, and a
/// sandbox call to `to` in progress: the node, account, agent id and call id.
async fn node_with_a_live_call(engine: Engine, drain_secs: u64, to: &str) -> (TestApp, TestAccount, String, String) {
    let app = spawn_app_with(engine, fast(drain_secs)).await;
    let acct = app.account("A").await;
    let agent = app.agent(&acct.key, "Riley").await;
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550150", "agent_id": agent}))
        .await
        .assert_status(201);
    let id = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": to})).await.id();
    wait_for(&app, &acct.key, &id, |c| c["status"] == "in_progress").await;
    (app, acct, agent, id)
}

async fn end_of(stopping: &Stopping, id: &str) -> (String, Option<String>) {
    let store = stopping.store().await;
    sqlx::query_as("SELECT status, end_reason FROM calls WHERE id = $1")
        .bind(id)
        .fetch_one(agentline_store::test_support::pool(&store))
        .await
        .unwrap()
}

async fn a_stopping_node_lets_its_calls_finish_and_starts_no_more(engine: Engine) {
    let (app, acct, agent, live) = node_with_a_live_call(engine, 20, "+14155550100").await;
    let (base, client) = (app.base.clone(), app.client.clone());

    let started = Instant::now();
    let mut stopping = app.stop();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503, "a load balancer sees the node going");
    let health: Value = health.json().await.unwrap();
    assert_eq!((health["status"].as_str(), health["live_calls"].as_i64()), (Some("draining"), Some(1)));
    // Still served: a new call is accepted, but it waits for a node that is not stopping.
    let queued = client
        .post(format!("{base}/v1/calls"))
        .bearer_auth(&acct.test_key)
        .json(&json!({"agent_id": agent, "to": "+14155550100"}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 201);
    let queued: Value = queued.json().await.unwrap();

    tokio::time::timeout(Duration::from_secs(15), &mut stopping.server).await.unwrap().unwrap().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "the node stopped when its call ended, not at the deadline: {took:?}");
    assert_eq!(end_of(&stopping, &live).await, ("completed".into(), Some("caller_hangup".into())), "it finished");
    let waiting = end_of(&stopping, queued["id"].as_str().unwrap()).await;
    assert_eq!(waiting, ("queued".into(), None), "no call starts on a draining node");
}

async fn calls_still_live_at_the_deadline_end(engine: Engine) {
    // …0107 answers and stays on the line.
    let (app, _, _, id) = node_with_a_live_call(engine, 1, "+14155550107").await;
    let started = Instant::now();
    let mut stopping = app.stop();
    tokio::time::timeout(Duration::from_secs(15), &mut stopping.server).await.unwrap().unwrap().unwrap();
    let took = started.elapsed();
    assert!((Duration::from_millis(900)..Duration::from_secs(6)).contains(&took), "{took:?}");
    assert_eq!(end_of(&stopping, &id).await, ("completed".into(), Some("server_restart".into())));
}
