//! KrosAI (seed 001) at `/krosai`: the documented outbound call and every error row.

use crate::helpers::{Engine, Resp, spawn_app_with};
use crate::on_both_engines;
use serde_json::{Value, json};

on_both_engines!(krosai_outbound_call_and_errors);

const URL: &str = "/krosai/v1/outbound-calls";

/// KrosAI's UPPERCASE codes, in agentline's nested error object.
#[track_caller]
fn assert_krosai_error(resp: &Resp, status: u16, code: &str) {
    resp.assert_error(status, code);
}

fn example() -> Value {
    json!({
        "from_number": "+2348012345678",
        "to_number": "+14155551234",
        "endpoint_id": "ep_abc123",
        "metadata": {"customer_id": "cust_xyz", "campaign": "follow-up-q1"}
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut body = example();
    body[field] = value;
    body
}

async fn krosai_outbound_call_and_errors(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.engine.calls.max_queued_per_account = 1).await;
    let acct = app.account("Kros").await;
    let agent = app.post("/v1/agents", &acct.key, json!({"name": "Follow-up", "assistant_id": "ep_abc123"})).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+2348012345678", "agent_id": agent}))
        .await
        .assert_status(201);
    let off = json!({"phone_number": "+2348012345679", "agent_id": agent, "outbound_enabled": false});
    app.post("/v1/numbers", &acct.key, off).await.assert_status(201);
    let key = acct.test_key.as_str();

    // Every row of the error table, before any call exists; none writes anything.
    let rows: Vec<(Value, u16, &str)> = vec![
        (with("to_number", json!("08012345678")), 400, "INVALID_PHONE_NUMBER"),
        (with("to_number", json!("(415) 555-1234")), 400, "INVALID_PHONE_NUMBER"),
        (with("from_number", json!("+14155550199")), 400, "NUMBER_NOT_OWNED"),
        (with("from_number", json!("+2348012345679")), 400, "OUTBOUND_DISABLED"),
        (with("endpoint_id", json!("ep_nothing")), 404, "ENDPOINT_NOT_FOUND"),
    ];
    for (body, status, code) in rows {
        assert_krosai_error(&app.post(URL, key, body).await, status, code);
    }
    app.set_account(&acct.account_id, "balance_cents", 3).await;
    assert_eq!(app.send(reqwest::Method::POST, URL, None, Some(&example())).await.status, 401);
    let live = app.client.post(format!("{}{URL}", app.base)).header("x-api-key", &acct.key).json(&example());
    let live = live.send().await.unwrap();
    assert_eq!(live.status(), 400);
    let live: Value = live.json().await.unwrap();
    assert_eq!(live["error"]["code"], "INSUFFICIENT_BALANCE", "{live}");
    assert_eq!(app.get("/v1/calls?page=1", &acct.key).await.body["count"], 0);

    // The documented request, with `x-api-key`: accepted and `initiated`, never `queued`.
    let made =
        app.client.post(format!("{}{URL}", app.base)).header("x-api-key", key).json(&example()).send().await.unwrap();
    assert_eq!(made.status(), 201);
    let call: Value = made.json().await.unwrap();
    assert_eq!((call["status"].as_str(), call["from"].as_str()), (Some("initiated"), Some("+2348012345678")));
    assert_eq!(call["metadata"]["campaign"], "follow-up-q1");
    let id = call["id"].as_str().unwrap();
    let polled = app.get(&format!("{URL}/{id}"), key).await;
    assert_ne!(polled.assert_status(200)["status"], "queued");

    // Over the concurrency queue: 429 RATE_LIMIT_EXCEEDED with Retry-After.
    let mut last = Value::Null;
    for _ in 0..3 {
        let resp = app.post(URL, key, with("start_at", json!("2099-01-01T00:00:00Z"))).await;
        if resp.status == 429 {
            assert_krosai_error(&resp, 429, "RATE_LIMIT_EXCEEDED");
            assert!(resp.headers.get("retry-after").is_some());
            return;
        }
        last = resp.body;
    }
    panic!("never limited: {last}");
}
