//! Rate limits answer 429 with Retry-After at the configured rate; every request is in the usage log.

use crate::helpers::{Engine, spawn_app, spawn_app_with};
use crate::on_both_engines;
use serde_json::json;

on_both_engines!(
    rate_limits_answer_429_with_retry_after,
    usage_log_records_requests,
    failed_authentications_are_throttled
);

async fn rate_limits_answer_429_with_retry_after(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.rate_limits.read_per_minute = 5;
        c.rate_limits.write_per_minute = 2;
    })
    .await;
    let acct = app.account("A").await;
    for _ in 0..5 {
        app.get("/v1/agents", &acct.key).await.assert_status(200);
    }
    let limited = app.get("/v1/contacts", &acct.key).await;
    limited.assert_error(429, "rate_limit_exceeded");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    // 5 per minute refills one request every 12 s.
    assert!((1..=12).contains(&retry_after), "Retry-After {retry_after}");
    // Writes have their own budget, and other keys their own.
    app.post("/v1/agents", &acct.key, json!({"name": "a"})).await.assert_status(201);
    app.post("/v1/agents", &acct.key, json!({"name": "b"})).await.assert_status(201);
    app.post("/v1/agents", &acct.key, json!({"name": "c"})).await.assert_error(429, "rate_limit_exceeded");
    app.get("/v1/agents", &acct.test_key).await.assert_status(200);
    // Refused requests are logged too.
    let usage = app.get("/v1/usage", &acct.test_key).await;
    let statuses: Vec<i64> =
        usage.body["data"].as_array().unwrap().iter().map(|u| u["status_code"].as_i64().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
}

async fn usage_log_records_requests(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let before = agentline_domain::Timestamp::now();
    app.post("/v1/agents", &acct.key, json!({"name": "a"})).await.assert_status(201);
    app.get("/v1/agents/agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70", &acct.key).await.assert_status(404);
    app.get("/v1/agents", &acct.test_key).await.assert_status(200);
    let usage = app.get("/v1/usage", &acct.key).await;
    let rows = usage.body["data"].as_array().unwrap();
    // Newest first; the usage request itself is logged after it answers.
    let seen: Vec<(String, String, i64)> = rows
        .iter()
        .map(|u| {
            (
                u["method"].as_str().unwrap().into(),
                u["endpoint"].as_str().unwrap().into(),
                u["status_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("GET".into(), "/v1/agents".into(), 200),
            ("GET".into(), "/v1/agents/agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70".into(), 404),
            ("POST".into(), "/v1/agents".into(), 201),
        ]
    );
    assert!(rows.iter().all(|u| u["cost_cents"] == 0 && u["key_id"].is_string()));
    let window = format!("/v1/usage?start={}&limit=2", before.to_db());
    let limited = app.get(&window, &acct.key).await;
    assert_eq!(limited.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(limited.body["has_more"], true);
    let future = app.get("/v1/usage?start=2099-01-01T00:00:00Z", &acct.key).await;
    assert_eq!(future.body["data"], json!([]));
    let past = app.get("/v1/usage?end=2000-01-01T00:00:00Z", &acct.key).await;
    assert_eq!(past.body["data"], json!([]));
}

async fn failed_authentications_are_throttled(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.rate_limits.auth_failures_per_minute = 3).await;
    let acct = app.account("A").await;
    for guess in ["al_live_aaaa", "al_live_bbbb", "nope"] {
        app.get("/v1/agents", guess).await.assert_error(401, "invalid_key");
    }
    let throttled = app.get("/v1/agents", "al_live_cccc").await;
    throttled.assert_error(429, "rate_limit_exceeded");
    assert!(throttled.headers.contains_key("retry-after"));
    app.send(reqwest::Method::GET, "/v1/agents", None, None).await.assert_error(429, "rate_limit_exceeded");
    // Valid credentials from the same address are not slowed down.
    app.get("/v1/agents", &acct.key).await.assert_status(200);
}

/// Two nodes on one Postgres spend one budget per key: 60 requests at once, spread over both,
/// get exactly the 20 a minute allows between them (each node alone would have let 20 through).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keys_budget_holds_across_nodes() {
    let app = spawn_app_with(Engine::Postgres, |c| c.rate_limits.read_per_minute = 20).await;
    let node_b = app.second_node().await;
    let acct = app.account("A").await;
    let requests = (0..60).map(|i| {
        let base = if i % 2 == 0 { &app.base } else { &node_b.base };
        app.client.get(format!("{base}/v1/agents")).bearer_auth(&acct.key).send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(requests).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // One more may have been earned while the requests ran (one every 3 s).
    assert!((20..=21).contains(&allowed) && allowed + refused == 60, "{allowed} allowed, {refused} refused");
}
