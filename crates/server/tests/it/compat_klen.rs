//! Klen AI (seeds 000, 004) at `/klen/api/v1`: each documented request, verbatim but for the
//! origin and the key, answers in Klen's shape, and each error-table row with its code.

use crate::helpers::{Engine, Resp, TestApp, spawn_app, spawn_app_with};
use crate::on_both_engines;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(klen_initiate_call_examples, klen_error_table, klen_lists_and_agents, klen_rate_limit);

const BASE: &str = "/klen/api/v1";

/// Asserts Klen's documented error shape: `{"error": "code", "message": "…"}`.
#[track_caller]
pub(crate) fn assert_klen_error(resp: &Resp, status: u16, code: &str) {
    assert_eq!((resp.status, resp.body["error"].as_str()), (status, Some(code)), "body: {}", resp.body);
    assert!(resp.body["message"].as_str().is_some_and(|m| !m.is_empty()), "body: {}", resp.body);
}

/// A Klen user's account as it arrives: agent 123 "Appointment Scheduler" with a number, and
/// contact 456, both under the ids Klen gave them.
async fn klen_account(app: &TestApp, key: &str) {
    let agent = json!({"name": "Appointment Scheduler", "assistant_id": "123",
        "instructions": "Call {{customer_name}} about {{appointment_time}}."});
    let agent = app.post("/v1/agents", key, agent).await.id();
    app.post("/v1/numbers", key, json!({"phone_number": "+14155550150", "agent_id": agent})).await.assert_status(201);
    let contact = json!({"phone_number": "+14155550160", "external_id": "456", "name": "John Doe"});
    app.post("/v1/contacts", key, contact).await.assert_status(201);
}

fn curl_example() -> Value {
    json!({
        "phone_number": "+15551234567",
        "agent_id": 123,
        "variables": {"customer_name": "John Doe", "appointment_time": "3:30 PM tomorrow"}
    })
}

async fn klen_initiate_call_examples(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("Klen").await;
    klen_account(&app, &acct.key).await;

    let call = app.post(&format!("{BASE}/calls"), &acct.test_key, curl_example()).await;
    let body = call.assert_status(201);
    assert_eq!(body["call_id"], body["id"]);
    assert_eq!((body["status"].as_str(), body["type"].as_str()), (Some("queued"), Some("outbound")));
    assert_eq!(body["phone_number"], "+15551234567");
    assert_eq!(
        (body["agent"]["name"].as_str(), body["agent"]["assistant_id"].as_str()),
        (Some("Appointment Scheduler"), Some("123"))
    );
    assert!(body["created_at"].is_string() && body["estimated_start"].is_string(), "{body}");
    assert_eq!(body["agent"]["id"], 123, "the Klen agent id, as Klen shows it");

    // The "Example Request Body": an integer contact id and nested variables.
    let example = json!({
        "phone_number": "+15551234567",
        "agent_id": 123,
        "contact_id": 456,
        "variables": {
            "customer_name": "John Doe",
            "appointment_time": "3:30 PM tomorrow",
            "custom_context": {"previous_purchase": "Premium Plan", "account_status": "Active"}
        }
    });
    let call = app.post(&format!("{BASE}/calls"), &acct.test_key, example).await;
    let contact = app.get("/v1/contacts?phone_number=%2B14155550160", &acct.key).await.body["data"][0].clone();
    assert_eq!(call.assert_status(201)["contact_id"], contact["id"]);
    assert_eq!(contact["external_id"], "456");
    let fetched = app.get(&format!("{BASE}/calls/{}", call.id()), &acct.test_key).await;
    assert_eq!(fetched.assert_status(200)["call_id"], call.id());
}

async fn klen_error_table(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("Klen").await;
    klen_account(&app, &acct.key).await;
    let key = acct.test_key.as_str();
    app.post("/v1/agents", &acct.key, json!({"name": "No number", "assistant_id": "124"})).await.assert_status(201);
    app.post("/v1/dnc", &acct.key, json!({"phone_number": "+14155550177"})).await.assert_status(201);
    let (read_only, _) = crate::access::key_with(&app, &acct.admin, &["calls:read"]).await;
    let url = format!("{BASE}/calls");
    let rows: Vec<(&str, Value, u16, &str)> = vec![
        (key, json!({"agent_id": 123}), 400, "missing_phone_number"),
        (key, json!({"phone_number": "+15551234567"}), 400, "missing_agent_id"),
        (key, json!({"phone_number": "(555) 123-4567", "agent_id": 123}), 400, "invalid_phone_number"),
        (&read_only, curl_example(), 403, "permission_denied"),
        (key, json!({"phone_number": "+14155550177", "agent_id": 123}), 403, "do_not_call"),
        (key, json!({"phone_number": "+15551234567", "agent_id": 999}), 404, "agent_not_found"),
        (key, json!({"phone_number": "+15551234567", "agent_id": 124}), 404, "no_phone_number"),
        (key, json!({"phone_number": "+15551234567", "agent_id": 123, "variables": "soon"}), 400, "validation_error"),
        ("klen_abcdef123456789", curl_example(), 401, "invalid_key"),
    ];
    for (key, body, status, code) in rows {
        assert_klen_error(&app.post(&url, key, body).await, status, code);
    }
    assert_klen_error(&app.post_raw(&url, key, "application/json", "{\"phone_number\": ").await, 400, "invalid_json");
    assert_klen_error(&app.send(Method::POST, &url, None, Some(&curl_example())).await, 401, "authentication_required");
    let missing = app.get(&format!("{url}/call_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"), key).await;
    assert_klen_error(&missing, 404, "not_found");
    assert_klen_error(&app.get(&format!("{BASE}/no-such-thing"), key).await, 404, "not_found");

    // 402 with the balance and the rate beside the message.
    app.set_account(&acct.account_id, "balance_cents", 3).await;
    let mut live = curl_example();
    live["phone_number"] = json!("+14155551234");
    let broke = app.post(&url, &acct.key, live).await;
    assert_klen_error(&broke, 402, "insufficient_funds");
    assert_eq!(
        (broke.body["balance_cents"].as_i64(), broke.body["rate_cents_per_minute"].as_i64()),
        (Some(3), Some(9))
    );

    // Nothing was written by any of them.
    assert_eq!(app.get("/v1/calls?page=1", &acct.key).await.body["count"], 0);
}

async fn klen_lists_and_agents(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("Klen").await;
    klen_account(&app, &acct.key).await;
    for _ in 0..3 {
        app.post(&format!("{BASE}/calls"), &acct.test_key, curl_example()).await.assert_status(201);
    }
    let page = app.get(&format!("{BASE}/calls?page=2&limit=2"), &acct.test_key).await;
    let body = page.assert_status(200);
    assert_eq!(
        (body["count"].as_u64(), body["page"].as_u64(), body["limit"].as_u64(), body["pages"].as_u64()),
        (Some(3), Some(2), Some(2), Some(2))
    );
    assert_eq!(body["calls"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["calls"][0]["call_id"], body["calls"][0]["id"]);
    let documented = app.get(&format!("{BASE}/calls?page=2&limit=25"), &acct.test_key).await;
    assert_eq!(documented.assert_status(200)["calls"], json!([]));

    // The agent persona body, to create and to update (PUT and PATCH).
    let persona = json!({"name": "Customer Support Agent", "model_instructions": "You are a friendly and helpful customer support agent."});
    let agent = app.post(&format!("{BASE}/agents"), &acct.key, persona).await;
    let id = agent.id();
    assert_eq!(agent.body["instructions"], "You are a friendly and helpful customer support agent.");
    let put = app
        .send(
            Method::PUT,
            &format!("{BASE}/agents/{id}"),
            Some(&acct.key),
            Some(&json!({"model_instructions": "Be brief."})),
        )
        .await;
    assert_eq!(put.assert_status(200)["instructions"], "Be brief.");
    let patched = app.patch(&format!("{BASE}/agents/123"), &acct.key, json!({"name": "Scheduler"})).await;
    assert_eq!(patched.assert_status(200)["name"], "Scheduler");
    let agents = app.get(&format!("{BASE}/agents"), &acct.key).await;
    assert_eq!((agents.body["count"].as_u64(), agents.body["agents"].as_array().map(Vec::len)), (Some(2), Some(2)));
    assert_klen_error(
        &app.post(&format!("{BASE}/agents"), &acct.key, json!({"model_instructions": "x"})).await,
        400,
        "validation_error",
    );
}

async fn klen_rate_limit(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.rate_limits.read_per_minute = 1).await;
    let acct = app.account("Klen").await;
    app.get(&format!("{BASE}/calls"), &acct.key).await.assert_status(200);
    let limited = app.get(&format!("{BASE}/calls"), &acct.key).await;
    assert_klen_error(&limited, 429, "rate_limit_exceeded");
    assert!(limited.headers.get("retry-after").is_some(), "Retry-After is kept");
    assert!(limited.body["message"].as_str().unwrap().contains("Please try again after"));
}
