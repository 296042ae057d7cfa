//! Webhooks in the seeds' formats, through the same outbox: Klen's `event_type`, event names
//! and `x-klen-signature`; KaiCalls' flat `call.completed` / `call.failed` payloads.

use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use crate::receiver::{Received, Receiver};
use agentline_store::calls;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

on_both_engines!(klen_endpoints_and_call_urls_get_klen_events, kaicalls_call_urls_get_the_flat_payload);

async fn app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |c| {
        c.engine.sandbox.speed = 50.0;
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true;
    })
    .await
}

async fn agent(app: &TestApp, acct: &TestAccount, assistant_id: &str) {
    let agent = app.post("/v1/agents", &acct.key, json!({"name": "Riley", "assistant_id": assistant_id})).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550150", "agent_id": agent}))
        .await
        .assert_status(201);
}

/// What Klen's receiver example computes: hex HMAC-SHA256 of `JSON.stringify(req.body)`.
fn klen_expected(secret: &str, received: &Received) -> String {
    let restringified = serde_json::to_string(&received.json()).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(restringified.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn klen_types(got: &[Received]) -> Vec<String> {
    got.iter().map(|r| r.json()["event_type"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn klen_endpoints_and_call_urls_get_klen_events(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Klen").await;
    agent(&app, &acct, "123").await;
    let endpoint = Receiver::start().await;
    let made = app.post("/klen/api/v1/webhooks", &acct.key, json!({"url": endpoint.url})).await;
    let secret = made.assert_status(201)["secret"].as_str().unwrap().to_owned();
    assert_eq!(made.body["format"], "klen");
    let per_call = Receiver::start().await;
    let body = json!({"phone_number": "+15551234567", "agent_id": 123, "webhook_url": per_call.url});
    app.post("/klen/api/v1/calls", &acct.test_key, body).await.assert_status(201);

    let done = |r: &[Received]| r.iter().any(|x| x.json()["event_type"] == "call.ended");
    let got = endpoint.wait_until(done).await;
    let types = klen_types(&got);
    assert!(types.starts_with(&["call.queued".to_owned()]) && types.contains(&"call.started".to_owned()), "{types:?}");
    // The call's analysis may follow its end; nothing else may.
    let ended_at = types.iter().position(|t| t == "call.ended").unwrap();
    assert!(types[ended_at + 1..].iter().all(|t| t == "call.analyzed"), "{types:?}");
    for r in &got {
        assert_eq!(r.header("x-klen-signature"), klen_expected(&secret, r), "signature of {}", r.json());
    }
    let ended = got[ended_at].json();
    assert_eq!(ended["data"]["status"], "completed");

    // The call's own URL, signed with the account's secret.
    let account_secret = app.get("/v1/webhook-secret", &acct.admin).await.body["secret"].as_str().unwrap().to_owned();
    let got = per_call.wait_until(done).await;
    assert!(klen_types(&got).contains(&"call.started".to_owned()));
    assert!(got.iter().all(|r| r.header("x-klen-signature") == klen_expected(&account_secret, r)));
    let bad = app.post("/v1/webhook-endpoints", &acct.key, json!({"url": endpoint.url, "format": "vapi"})).await;
    bad.assert_error(400, "validation_error");
}

async fn kaicalls_call_urls_get_the_flat_payload(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Kai").await;
    agent(&app, &acct, "uuid-abc123").await;
    let receiver = Receiver::start().await;
    let url = "/kaicalls/api/v1/calls";
    for to in ["+14155550100", "+14155550102"] {
        let body = json!({"agent_id": "uuid-abc123", "to": to, "webhook_url": receiver.url});
        let id = app.post(url, &acct.test_key, body).await.id();
        // What the conversation and the recorder leave on a call before it ends (the sandbox
        // here runs neither), written while it is still queued.
        let id = agentline_domain::CallId::parse(&id).unwrap();
        calls::set_summary(&app.store, &id, "Confirmed appointment for tomorrow at 2pm.").await.unwrap();
        calls::set_recording(&app.store, &id, &json!({"path": "/nowhere.wav", "duration_ms": 1000})).await.unwrap();
    }
    let got = receiver.wait_until(|r| r.len() >= 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2, "only the completed and failed events are sent");
    let by_event = |name: &str| got.iter().map(Received::json).find(|b| b["event"] == name).unwrap_or(Value::Null);
    let completed = by_event("call.completed");
    assert_eq!(completed["status"], "completed");
    for field in ["call_id", "duration", "recording_url", "summary", "timestamp"] {
        assert!(completed.get(field).is_some(), "{field}: {completed}");
    }
    assert_eq!(completed["summary"], "Confirmed appointment for tomorrow at 2pm.");
    let recording = format!("/v1/calls/{}/recording", completed["call_id"].as_str().unwrap());
    assert!(completed["duration"].is_number() && completed["recording_url"] == recording.as_str(), "{completed}");
    let failed = by_event("call.failed");
    assert_eq!((failed["status"].as_str(), failed["error"].as_str()), (Some("failed"), Some("no_answer")), "{failed}");
    assert!(failed["timestamp"].is_string() && failed.get("data").is_none());
}
