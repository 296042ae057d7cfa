//! KaiCalls (seed 002) at `/kaicalls/api/v1`: each documented request and response, the
//! `?id=` look-ups, and the error table.

use crate::helpers::{Engine, Resp, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use agentline_domain::CallId;
use agentline_store::calls;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    kaicalls_agents_and_numbers,
    kaicalls_calls_create_get_and_list,
    kaicalls_keys_balance_and_usage,
    kaicalls_error_table,
);

const BASE: &str = "/kaicalls/api/v1";

async fn app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |c| c.rate_limits.calls_create_per_minute = 4).await
}

/// Asserts KaiCalls' documented error: `{"error": {"code", "message"}}`.
#[track_caller]
fn assert_kaicalls_error(resp: &Resp, status: u16, code: &str) {
    resp.assert_error(status, code);
}

/// A KaiCalls user's account: agent `uuid-abc123` ("Kai") on +15125551234, lead `uuid-lead123`.
async fn kaicalls_account(app: &TestApp, acct: &TestAccount) -> (String, String) {
    let agent = json!({"name": "Kai", "assistant_id": "uuid-abc123", "instructions": "Call {{name}}. {{context}}"});
    let agent = app.post("/v1/agents", &acct.key, agent).await.id();
    let number = app.post("/v1/numbers", &acct.key, json!({"phone_number": "+15125551234", "agent_id": agent})).await;
    let lead =
        json!({"phone_number": "+15125559876", "external_id": "uuid-lead123", "name": "John Smith", "lead_score": 80});
    app.post("/v1/contacts", &acct.key, lead).await.assert_status(201);
    (agent, number.id())
}

async fn kaicalls_agents_and_numbers(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Kai").await;
    let (agent, number) = kaicalls_account(&app, &acct).await;

    let list = app.get(&format!("{BASE}/agents"), &acct.key).await;
    let first = &list.assert_status(200)["agents"][0];
    assert_eq!((first["id"].as_str(), first["name"].as_str()), (Some(agent.as_str()), Some("Kai")));
    assert!(first["business_id"].is_string() && first["created_at"].is_string());

    for id in [agent.as_str(), "uuid-abc123"] {
        let one = app.get(&format!("{BASE}/agents?id={id}"), &acct.key).await;
        let body = one.assert_status(200);
        assert_eq!(
            (body["id"].as_str(), body["vapi_assistant_id"].as_str()),
            (Some(agent.as_str()), Some("uuid-abc123"))
        );
        assert_eq!(body["phone_number"], "+15125551234");
    }
    assert_kaicalls_error(&app.get(&format!("{BASE}/agents?id=uuid-nobody"), &acct.key).await, 404, "not_found");

    let numbers = app.get(&format!("{BASE}/numbers"), &acct.key).await;
    let listed = &numbers.assert_status(200)["numbers"][0];
    assert_eq!((listed["id"].as_str(), listed["phone_number"].as_str()), (Some(number.as_str()), Some("+15125551234")));
    assert_eq!(listed["agent_id"], agent.as_str());
}

async fn kaicalls_calls_create_get_and_list(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Kai").await;
    let (agent, _) = kaicalls_account(&app, &acct).await;
    let key = acct.test_key.as_str();
    let url = format!("{BASE}/calls");

    // Quick start, minimal and full examples, and the JS SDK's camelCase body.
    let quick = json!({"agent_id": "uuid-abc123", "to": "+15125551234", "name": "John Smith",
        "context": "Confirm appointment for tomorrow at 2pm"});
    let minimal = json!({"agent_id": "uuid-abc123", "to": "+15125559876"});
    let full = json!({"agent_id": "uuid-abc123", "to": "+15125559876", "name": "John Smith", "lead_id": "uuid-lead123",
        "context": "Following up on car accident case",
        "firstMessage": "Hey John, this is Kai from Smith Law — do you have a minute?"});
    let sdk = json!({"agentId": "uuid-abc123", "to": "+15125551234", "name": "John Smith", "leadId": "uuid-lead123",
        "context": "Following up on car accident case", "firstMessage": "Hey John, this is Kai — do you have a minute?"});
    let mut ids = Vec::new();
    for body in [quick, minimal, full, sdk] {
        let made = app.post(&url, key, body).await;
        let call = made.assert_status(201);
        assert_eq!((call["status"].as_str(), call["agent_id"].as_str()), (Some("queued"), Some(agent.as_str())));
        assert_eq!(call["conversation_id"], call["id"]);
        assert!(call["to"].is_string() && call["created_at"].is_string());
        ids.push(made.id());
    }
    let lead = app.get(&format!("{url}?id={}", ids[2]), key).await;
    assert_eq!(lead.assert_status(200)["name"], "John Smith");
    assert!(lead.body["lead_id"].as_str().is_some_and(|l| l.starts_with("con_")), "{}", lead.body);

    // Details: summary, an absolute recording URL, quality_dimensions.
    let call = CallId::parse(&ids[0]).unwrap();
    let path = crate::transcripts::recording_path(&app, &call);
    crate::transcripts::write_wav(&path, 800);
    crate::transcripts::set_recording(&app, &call, &path).await;
    calls::set_summary(&app.store, &call, "Confirmed appointment with John for tomorrow at 2pm.").await.unwrap();
    let details = app.get(&format!("{url}?id={call}"), key).await;
    let body = details.assert_status(200);
    for field in [
        "id",
        "conversation_id",
        "status",
        "direction",
        "duration",
        "agent_id",
        "agent_name",
        "business_id",
        "lead_id",
        "quality_dimensions",
        "created_at",
    ] {
        assert!(body.get(field).is_some(), "{field} missing: {body}");
    }
    assert_eq!(body["summary"], "Confirmed appointment with John for tomorrow at 2pm.");
    assert_eq!(body["recording_url"], format!("{}/v1/calls/{call}/recording", app.base));
    assert_kaicalls_error(
        &app.get(&format!("{url}?id=call_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"), key).await,
        404,
        "not_found",
    );
    let stranger = app.account("Other").await;
    assert_kaicalls_error(&app.get(&format!("{url}?id={call}"), &stranger.test_key).await, 404, "not_found");
    let theirs = app.get(&format!("{url}?agent_id=uuid-abc123"), &stranger.test_key).await;
    assert_eq!(theirs.assert_status(200)["calls"], json!([]), "another account's agent id finds nothing");

    // The list: limit, agent_id (theirs or ours), status, and `after` = the last created_at.
    let page = app.get(&format!("{url}?limit=2"), key).await;
    let body = page.assert_status(200);
    assert_eq!((body["calls"].as_array().map(Vec::len), body["has_more"].as_bool()), (Some(2), Some(true)));
    assert!(body["calls"][0]["conversation_id"].is_string() && body["calls"][0]["agent_name"] == "Kai");
    let last = body["calls"][1]["created_at"].as_str().unwrap().to_owned();
    let rest = app.get(&format!("{url}?limit=2&after={}", urlencode(&last)), key).await;
    let rest_ids: Vec<&str> = rest.body["calls"].as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(!rest_ids.is_empty() && rest_ids.iter().all(|id| !body["calls"].to_string().contains(id)), "{}", rest.body);
    for agent_id in [agent.as_str(), "uuid-abc123"] {
        let mine = app.get(&format!("{url}?agent_id={agent_id}"), key).await;
        assert_eq!(mine.body["calls"].as_array().map(Vec::len), Some(4), "{}", mine.body);
    }
    assert_eq!(app.get(&format!("{url}?status=busy"), key).await.body["calls"], json!([]));
    assert_kaicalls_error(&app.get(&format!("{url}?status=bogus"), key).await, 400, "invalid_request");
    // Which of two values would count is a guess: refused, as /v1 refuses it (schemathesis found it).
    assert_kaicalls_error(&app.get(&format!("{url}?limit=&limit=VW%F2"), key).await, 400, "invalid_request");
    assert_kaicalls_error(&app.get(&format!("{url}?agent_id=x&limit="), key).await, 400, "invalid_request");
    let nobody = app.get(&format!("{url}?agent_id=uuid-nobody"), key).await;
    assert_eq!(nobody.assert_status(200)["calls"], json!([]));
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('+', "%2B")
}

async fn kaicalls_keys_balance_and_usage(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Kai").await;
    kaicalls_account(&app, &acct).await;
    let admin = acct.admin.as_str();

    let made = app.post(&format!("{BASE}/keys"), admin, json!({"name": "My Integration Key"})).await;
    let key = made.assert_status(201);
    assert!(key["key"].as_str().is_some_and(|k| k.starts_with("al_")));
    assert_eq!(key["scopes"], json!(["agents:read", "calls:read", "calls:write", "numbers:read"]));
    let listed = app.get(&format!("{BASE}/keys"), admin).await;
    let keys = listed.assert_status(200)["keys"].as_array().unwrap().clone();
    let row = keys.iter().find(|k| k["id"] == made.id()).expect("the new key is listed");
    for field in ["prefix", "name", "scopes", "business_id", "created_at", "last_used_at", "expires_at", "is_active"] {
        assert!(row.get(field).is_some(), "{field}: {row}");
    }
    let secret = key["key"].as_str().unwrap().to_owned();
    app.get(&format!("{BASE}/agents"), &secret).await.assert_status(200);
    let revoked = app.send(Method::DELETE, &format!("{BASE}/keys?id={}", made.id()), Some(admin), None).await;
    assert_eq!(revoked.assert_status(200), &json!({"success": true}));
    assert_kaicalls_error(&app.get(&format!("{BASE}/agents"), &secret).await, 401, "unauthorized");
    let no_id = app.send(Method::DELETE, &format!("{BASE}/keys"), Some(admin), None).await;
    assert_kaicalls_error(&no_id, 400, "invalid_request");

    // KaiCalls has no billing scope: a key with the default scopes reads both.
    let defaults = app.post("/v1/keys", admin, json!({})).await;
    let billing = defaults.body["key"].as_str().unwrap();
    assert_eq!(app.get("/v1/balance", billing).await.status, 403, "while /v1 still asks for billing:read");
    let balance = app.get(&format!("{BASE}/balance"), billing).await;
    let row = &balance.assert_status(200)["businesses"][0];
    assert_eq!(row["business_id"], acct.business_id.as_str());
    assert_eq!((row["minutes_used"].as_i64(), row["phone_numbers"].as_i64()), (Some(0), Some(1)));
    assert_eq!(row["subscription_status"], "active");

    let usage = app.get(&format!("{BASE}/usage?start=2020-01-01T00:00:00Z&limit=2"), billing).await;
    let body = usage.assert_status(200);
    assert_eq!((body["usage"].as_array().map(Vec::len), body["has_more"].as_bool()), (Some(2), Some(true)), "{body}");
    for field in ["id", "endpoint", "method", "status_code", "call_id", "cost_cents", "created_at"] {
        assert!(body["usage"][0].get(field).is_some(), "{field}: {body}");
    }
}

async fn kaicalls_error_table(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("Kai").await;
    kaicalls_account(&app, &acct).await;
    let (reader, _) = crate::access::key_with(&app, &acct.admin, &["calls:read"]).await;
    let url = format!("{BASE}/calls");
    let call = json!({"agent_id": "uuid-abc123", "to": "+15125559876"});

    assert_kaicalls_error(&app.send(Method::POST, &url, None, Some(&call)).await, 401, "unauthorized");
    assert_kaicalls_error(&app.post(&url, "kc_live_xxxxx", call.clone()).await, 401, "unauthorized");
    assert_kaicalls_error(&app.post(&url, &reader, call.clone()).await, 403, "forbidden");
    assert_kaicalls_error(&app.get(&format!("{BASE}/keys"), &acct.key).await, 403, "forbidden");
    assert_kaicalls_error(
        &app.post(&url, &acct.test_key, json!({"agent_id": "uuid-nobody", "to": "+15125559876"})).await,
        404,
        "not_found",
    );
    assert_kaicalls_error(&app.post(&url, &acct.test_key, json!({"to": "+15125559876"})).await, 400, "invalid_request");
    assert_kaicalls_error(&app.post_raw(&url, &acct.test_key, "application/json", "{").await, 400, "invalid_request");
    assert_kaicalls_error(&app.get(&format!("{BASE}/nothing-here"), &acct.key).await, 404, "not_found");
    assert_eq!(app.get("/v1/calls?page=1", &acct.key).await.body["count"], 0, "no error wrote a call");

    // 60 calls a minute in KaiCalls; 4 here.
    let mut last = Value::Null;
    for _ in 0..4 {
        let resp = app.post(&url, &acct.test_key, call.clone()).await;
        if resp.status == 429 {
            assert_kaicalls_error(&resp, 429, "rate_limited");
            assert!(resp.headers.get("retry-after").is_some());
            return;
        }
        last = resp.body;
    }
    panic!("never rate limited; last: {last}");
}
