//! Placing calls over HTTP: every documented error, every magic number, ending in every
//! state, idempotency, concurrency limits, scheduling and billing.

use crate::access::phone;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_engines!(
    every_documented_error_and_nothing_written,
    magic_numbers_reach_their_outcomes,
    a_call_can_be_ended_in_every_state,
    idempotent_retries_never_make_a_second_call,
    concurrency_limit_holds_and_every_call_finishes,
    billing_charges_live_calls_once_and_test_calls_never,
    scheduled_calls_wait_for_their_time,
    variables_and_enrichment_fill_the_templates,
    calls_are_listed_and_filtered,
);

/// A fast sandbox: scripts and call timers run 50 times faster than real time.
pub(crate) async fn fast_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |c| {
        c.engine.sandbox.speed = 50.0;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await
}

/// An agent with a caller-ID number; returns (agent id, number id).
async fn agent_with_number(app: &TestApp, acct: &TestAccount, number: &str) -> (String, String) {
    let agent =
        app.post("/v1/agents", &acct.key, json!({"name": "Riley", "instructions": "Call {{name}}."})).await.id();
    let num = app.post("/v1/numbers", &acct.key, json!({"phone_number": number, "agent_id": agent})).await.id();
    (agent, num)
}

/// Polls the call until `done` holds (at most 15 s).
pub(crate) async fn wait_for(app: &TestApp, key: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    wait_for_within(app, key, id, 15, done).await
}

/// Polls the call until `done` holds, for at most `secs` seconds.
pub(crate) async fn wait_for_within(
    app: &TestApp,
    key: &str,
    id: &str,
    secs: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let call = app.get(&format!("/v1/calls/{id}"), key).await.body;
        if done(&call) {
            return call;
        }
        assert!(started.elapsed() < Duration::from_secs(secs), "call never got there: {call}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn terminal(call: &Value) -> bool {
    matches!(call["status"].as_str(), Some("completed" | "failed" | "no_answer" | "busy" | "canceled"))
}

async fn place(app: &TestApp, key: &str, agent: &str, to: &str, extra: Value) -> Value {
    let mut body = json!({"agent_id": agent, "to": to});
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    app.post("/v1/calls", key, body).await.assert_status(201).clone()
}

async fn every_documented_error_and_nothing_written(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.engine.calls.max_queued_per_account = 2).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let lonely = app.post("/v1/agents", key, json!({"name": "No number"})).await.id();
    let disabled =
        app.post("/v1/numbers", key, json!({"phone_number": "+14155550151", "outbound_enabled": false})).await.id();
    app.post("/v1/dnc", key, json!({"phone_number": "+12025550177"})).await.assert_status(201);
    let (read_only, _) = crate::access::key_with(&app, &acct.admin, &["calls:read"]).await;
    let to = "+12025550100";
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"agent_id": agent}), 400, "missing_phone_number"),
        (json!({"agent_id": agent, "to": ""}), 400, "missing_phone_number"),
        (json!({"agent_id": agent, "to": "+15551234567"}), 400, "invalid_phone_number"),
        (json!({"agent_id": agent, "to": "(415) 555-1234"}), 400, "invalid_phone_number"),
        (json!({"to": to}), 400, "missing_agent_id"),
        (json!({"to": to, "agent_id": null}), 400, "missing_agent_id"),
        (json!({"to": to, "agent_id": " "}), 400, "missing_agent_id"),
        (json!({"to": null, "agent_id": agent}), 400, "missing_phone_number"),
        (json!({"to": to, "agent_id": agent, "system_prompt": "Hi {{ nickname"}), 400, "validation_error"),
        (json!({"to": to, "agent_id": "agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"}), 404, "agent_not_found"),
        (json!({"to": to, "agent_id": 123}), 404, "agent_not_found"),
        (json!({"to": to, "agent_id": lonely}), 404, "no_phone_number"),
        (json!({"to": "+12025550177", "agent_id": agent}), 403, "do_not_call"),
        (json!({"to": to, "agent_id": agent, "from_number": "+14155550199"}), 400, "number_not_owned"),
        (
            json!({"to": to, "agent_id": agent, "from_number_id": "num_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"}),
            400,
            "number_not_owned",
        ),
        (json!({"to": to, "agent_id": agent, "from_number_id": disabled}), 400, "outbound_disabled"),
        (
            json!({"to": to, "agent_id": agent, "contact_id": "con_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"}),
            404,
            "contact_not_found",
        ),
        (json!({"to": to, "agent_id": agent, "system_prompt": "Talk about {{topic}}"}), 400, "validation_error"),
        (json!({"to": to, "agent_id": agent, "max_duration": 1}), 400, "validation_error"),
        (json!({"to": to, "agent_id": agent, "ring_timeout": 500}), 400, "validation_error"),
        (json!({"to": to, "agent_id": agent, "start_at": "tomorrow"}), 400, "validation_error"),
        (json!({"to": to, "agent_id": agent, "webhook_url": "not a url"}), 400, "validation_error"),
        (json!({"to": to, "agent_id": agent, "colour": "blue"}), 400, "validation_error"),
    ];
    for (body, status, code) in cases {
        let resp = app.post("/v1/calls", key, body.clone()).await;
        assert_eq!((resp.status, resp.body["error"]["code"].as_str()), (status, Some(code)), "{body}: {}", resp.body);
    }
    app.post_raw("/v1/calls", key, "application/json", "{\"to\": ").await.assert_error(400, "invalid_json");
    app.post("/v1/calls", &read_only, json!({"to": to, "agent_id": agent}))
        .await
        .assert_error(403, "permission_denied");

    // 402 carries the balance and the rate.
    app.set_account(&acct.account_id, "balance_cents", 3).await;
    let broke = app.post("/v1/calls", key, json!({"to": to, "agent_id": agent})).await;
    broke.assert_error(402, "insufficient_funds");
    assert_eq!(
        (broke.body["error"]["balance_cents"].as_i64(), broke.body["error"]["required_cents"].as_i64()),
        (Some(3), Some(9))
    );
    // Test keys are never charged, so they still call.
    let later = json!({"start_at": "2099-01-01T00:00:00Z"});
    assert_eq!(place(&app, &acct.test_key, &agent, to, later.clone()).await["mode"], "test");
    let disabled_param =
        app.post("/v1/calls", key, json!({"to": to, "agent_id": agent, "from_number_id": disabled})).await;
    assert_eq!(disabled_param.body["error"]["param"], "from_number_id");
    let syntax =
        app.post("/v1/calls", key, json!({"to": to, "agent_id": agent, "system_prompt": "Hi {{ nickname"})).await;
    assert_eq!(syntax.body["error"]["param"], "system_prompt", "a syntax error names the template, not the variables");

    // Everything refused above left nothing behind.
    let calls = app.get("/v1/calls", key).await.body;
    assert_eq!(calls["data"].as_array().unwrap().len(), 1, "{calls}");
    assert_eq!(app.get("/v1/balance", key).await.body["balance_cents"], 3);

    // 429 with Retry-After once the queue is full.
    place(&app, &acct.test_key, &agent, to, later.clone()).await;
    let full = app
        .post("/v1/calls", &acct.test_key, json!({"to": to, "agent_id": agent, "start_at": "2099-01-01T00:00:00Z"}))
        .await;
    full.assert_error(429, "concurrency_limit_exceeded");
    assert!(full.headers.contains_key("retry-after"));
    assert_eq!(full.body["error"]["queued"], 2);
    assert_eq!(app.get("/v1/calls", key).await.body["data"].as_array().unwrap().len(), 2);
}

async fn magic_numbers_reach_their_outcomes(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let cases = [
        ("+14155550100", "completed", "caller_hangup"),
        ("+14155550101", "busy", "busy"),
        ("+14155550102", "no_answer", "no_answer"),
        ("+14155550103", "failed", "carrier_error"),
        ("+14155550104", "completed", "voicemail"),
        ("+14155550105", "failed", "rejected"),
        ("+14155550106", "completed", "caller_hangup"),
        ("+14155550107", "completed", "max_duration"),
        ("+14155550113", "completed", "caller_hangup"),
    ];
    let mut placed = Vec::new();
    for (to, _, _) in cases {
        let call = place(&app, &acct.test_key, &agent, to, json!({"ring_timeout": 120, "max_duration": 10})).await;
        assert_eq!(call["status"], "queued");
        placed.push(call["id"].as_str().unwrap().to_owned());
    }
    for ((to, status, reason), id) in cases.iter().zip(&placed) {
        let call = wait_for(&app, &acct.test_key, id, terminal).await;
        assert_eq!(
            (call["status"].as_str(), call["end_reason"].as_str()),
            (Some(*status), Some(*reason)),
            "{to}: {call}"
        );
        let events = app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.body;
        // call.analyzed may follow a completed call's end at any moment: this test is about the end.
        let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        let types: Vec<&str> = types.into_iter().filter(|t| *t != "call.analyzed").collect();
        assert_eq!(types.first(), Some(&"call.queued"));
        assert_eq!(
            types.last(),
            Some(&if *status == "completed" { "call.completed" } else { "call.failed" }),
            "{to}: {types:?}"
        );
        if *status == "completed" {
            assert!(types.contains(&"call.answered") && types.contains(&"call.in_progress"), "{types:?}");
            assert!(call["answered_at"].is_string());
        } else {
            assert!(call["answered_at"].is_null());
            assert_eq!(call["duration"], 0);
        }
    }
    let busy = app.get(&format!("/v1/calls/{}", placed[1]), &acct.test_key).await.body;
    assert_eq!(busy["end_detail"], "486 Busy Here", "the SIP status is kept as detail");
}

async fn a_call_can_be_ended_in_every_state(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.test_key.as_str();
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;

    let queued = place(&app, key, &agent, "+14155550100", json!({"start_at": "2099-01-01T00:00:00Z"})).await;
    let ended = app.post(&format!("/v1/calls/{}/end", queued["id"].as_str().unwrap()), key, json!({})).await;
    assert_eq!(
        (ended.body["status"].as_str(), ended.body["end_reason"].as_str()),
        (Some("canceled"), Some("canceled"))
    );

    let ringing = place(&app, key, &agent, "+14155550102", json!({"ring_timeout": 120})).await;
    let id = ringing["id"].as_str().unwrap();
    wait_for(&app, key, id, |c| c["status"] == "ringing").await;
    let ended = app.post(&format!("/v1/calls/{id}/end"), key, json!({})).await;
    assert_eq!(
        (ended.body["status"].as_str(), ended.body["end_reason"].as_str()),
        (Some("canceled"), Some("canceled")),
        "{}",
        ended.body
    );

    let talking = place(&app, key, &agent, "+14155550107", json!({})).await;
    let id = talking["id"].as_str().unwrap();
    wait_for(&app, key, id, |c| c["status"] == "in_progress").await;
    let ended = app.post(&format!("/v1/calls/{id}/end"), key, json!({})).await;
    assert_eq!(
        (ended.body["status"].as_str(), ended.body["end_reason"].as_str()),
        (Some("completed"), Some("ended_by_api")),
        "{}",
        ended.body
    );

    app.post(&format!("/v1/calls/{id}/end"), key, json!({})).await.assert_error(409, "call_already_ended");
    app.post("/v1/calls/call_0192f5e0c3a87d3e9b1f6a2c4d5e6f70/end", key, json!({}))
        .await
        .assert_error(404, "not_found");
}

async fn idempotent_retries_never_make_a_second_call(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.engine.sandbox.speed = 50.0).await;
    let acct = app.account("A").await;
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let body = json!({"agent_id": agent, "to": "+14155550100", "start_at": "2099-01-01T00:00:00Z"});
    let send = |key: &'static str, body: Value| {
        let request = app
            .client
            .post(format!("{}/v1/calls", app.base))
            .bearer_auth(&acct.test_key)
            .header("idempotency-key", key)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let (first_status, first) = send("retry-1", body.clone()).await;
    assert_eq!(first_status, 201, "{first}");
    let (again_status, again) = send("retry-1", body.clone()).await;
    assert_eq!((again_status, &again), (201, &first), "a retry returns the first response");
    let mut other = body.clone();
    other["to"] = json!("+14155550101");
    let (status, err) = send("retry-1", other).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));

    // Twenty identical requests racing: one call.
    let racing: Vec<_> = (0..20).map(|_| send("race", body.clone())).collect();
    let results = futures_util::future::join_all(racing).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "all racing requests got the same call");
    let listed = app.get("/v1/calls?limit=100", &acct.test_key).await.body;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2, "one call per key");
    // A live key's request with the same key is its own, not a replay of the test call.
    let live = app
        .client
        .post(format!("{}/v1/calls", app.base))
        .bearer_auth(&acct.key)
        .header("idempotency-key", "retry-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    let live: Value = live.json().await.unwrap();
    assert_eq!(live["mode"], "live");
    assert_ne!(live["id"], first["id"]);
}

async fn concurrency_limit_holds_and_every_call_finishes(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    app.set_account(&acct.account_id, "concurrency_limit", 2).await;
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let call = place(&app, &acct.test_key, &agent, "+14155550113", json!({})).await;
        assert_eq!(call["concurrency"]["limit"], 2);
        assert!(call["queue_position"].as_i64().unwrap() >= 1, "{i}: {call}");
        ids.push(call["id"].as_str().unwrap().to_owned());
    }
    let mut spans = Vec::new();
    for id in &ids {
        let call = wait_for(&app, &acct.test_key, id, terminal).await;
        assert_eq!(call["status"], "completed", "{call}");
        let at = |field: &str| agentline_domain::Timestamp::parse(call[field].as_str().unwrap()).unwrap();
        spans.push((at("initiated_at"), at("ended_at")));
    }
    // At no instant were more than two calls between dialling and hanging up.
    for (start, _) in &spans {
        let overlapping = spans.iter().filter(|(s, e)| s <= start && start < e).count();
        assert!(overlapping <= 2, "{overlapping} calls were active at once");
    }
}

async fn billing_charges_live_calls_once_and_test_calls_never(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    app.set_account(&acct.account_id, "rate_cents_per_minute", 600).await;
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let live = place(&app, &acct.key, &agent, "+14155550100", json!({})).await;
    let test = place(&app, &acct.test_key, &agent, "+14155550100", json!({})).await;
    let live = wait_for(&app, &acct.key, live["id"].as_str().unwrap(), terminal).await;
    let test = wait_for(&app, &acct.key, test["id"].as_str().unwrap(), terminal).await;
    let seconds = live["duration"].as_i64().unwrap();
    assert!(seconds >= 1, "{live}");
    assert_eq!(live["cost_cents"].as_i64(), Some(seconds * 10), "600 cents a minute is 10 a second");
    assert_eq!((test["cost_cents"].as_i64(), test["mode"].as_str()), (Some(0), Some("test")));
    let ledger = app.get("/v1/balance/ledger", &acct.key).await.body;
    let charges: Vec<&Value> =
        ledger["data"].as_array().unwrap().iter().filter(|e| e["kind"] == "call_charge").collect();
    assert_eq!(charges.len(), 1, "{ledger}");
    assert_eq!(
        (charges[0]["call_id"].as_str(), charges[0]["amount_cents"].as_i64()),
        (live["id"].as_str(), Some(-seconds * 10))
    );
    assert_eq!(app.get("/v1/balance", &acct.key).await.body["balance_cents"], 1000 - seconds * 10);
    let usage = app.get("/v1/usage?limit=500", &acct.key).await.body;
    assert!(
        usage["data"].as_array().unwrap().iter().any(|u| u["call_id"] == live["id"] && u["cost_cents"] == seconds * 10)
    );

    // A wallet that runs dry ends the call mid-way.
    // 600 cents at 600 a minute pays for 60 s (1.2 s at the sandbox's speed); the call would run 600 s.
    app.set_account(&acct.account_id, "balance_cents", 600).await;
    let dry = place(&app, &acct.key, &agent, "+14155550107", json!({"max_duration": 600})).await;
    let dry = wait_for(&app, &acct.key, dry["id"].as_str().unwrap(), terminal).await;
    assert_eq!(
        (dry["status"].as_str(), dry["end_reason"].as_str()),
        (Some("completed"), Some("insufficient_funds")),
        "{dry}"
    );
    assert!(app.get("/v1/balance", &acct.key).await.body["balance_cents"].as_i64().unwrap() >= 0, "never below zero");

    // Three calls at once share one wallet: together they stop at the balance, never below zero.
    app.set_account(&acct.account_id, "balance_cents", 600).await;
    let mut racing = Vec::new();
    for _ in 0..3 {
        racing.push(
            place(&app, &acct.key, &agent, "+14155550107", json!({"max_duration": 600})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &racing {
        let call = wait_for(&app, &acct.key, id, terminal).await;
        assert_eq!(call["end_reason"], "insufficient_funds", "{call}");
    }
    let balance = app.get("/v1/balance", &acct.key).await.body["balance_cents"].as_i64().unwrap();
    assert!(balance >= 0, "the wallet went negative: {balance}");
}

async fn scheduled_calls_wait_for_their_time(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let (agent, _) = agent_with_number(&app, &acct, "+14155550150").await;
    let at = agentline_domain::Timestamp::now().plus_seconds(2);
    let call = place(&app, &acct.test_key, &agent, "+14155550100", json!({"start_at": at.to_db()})).await;
    assert_eq!(call["estimated_start"], json!(String::from(at)));
    let id = call["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.get(&format!("/v1/calls/{id}"), &acct.test_key).await.body["status"], "queued");
    let done = wait_for(&app, &acct.test_key, id, terminal).await;
    let started = agentline_domain::Timestamp::parse(done["initiated_at"].as_str().unwrap()).unwrap();
    assert!(started >= at, "dialled before start_at");
}

async fn variables_and_enrichment_fill_the_templates(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("Smith Law").await;
    let agent = app
        .post(
            "/v1/agents",
            &acct.key,
            json!({"name": "Kai", "instructions": "{{name}} ({{lead_status}}, score {{lead_score}}, {{interaction_count}} calls) for {{business_name}}: {{topic}}. {{context}}",
                   "first_message": "Good {{time_of_day}}, {{name}}!"}),
        )
        .await
        .id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550150", "agent_id": agent}))
        .await
        .assert_status(201);
    let contact = app
        .post("/v1/contacts", &acct.key, json!({"name": "John Smith", "phone_number": "+14155550111", "lead_score": 87, "lead_status": "warm", "timezone": "America/Chicago"}))
        .await
        .id();
    let call = place(
        &app,
        &acct.test_key,
        &agent,
        "+14155550111",
        json!({"variables": {"topic": "the accident case"}, "context": "Be kind."}),
    )
    .await;
    assert_eq!(call["contact_id"], contact.as_str(), "the contact is found by number");
    assert_eq!(call["instructions"], "John (warm, score 87, 0 calls) for Smith Law: the accident case. Be kind.");
    assert!(call["first_message"].as_str().unwrap().ends_with(", John!"));
    assert_eq!(app.get(&format!("/v1/contacts/{contact}"), &acct.key).await.body["interaction_count"], 1);
    let missing = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550111"})).await;
    missing.assert_error(400, "validation_error");
    assert!(missing.body["error"]["message"].as_str().unwrap().contains("topic"), "{}", missing.body);
}

async fn calls_are_listed_and_filtered(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let (agent, number) = agent_with_number(&app, &acct, "+14155550150").await;
    let (other_agent, other_number) = agent_with_number(&app, &acct, "+14155550151").await;
    let a = place(&app, &acct.test_key, &agent, &phone(3), json!({"start_at": "2099-01-01T00:00:00Z"})).await;
    place(&app, &acct.test_key, &other_agent, &phone(4), json!({"start_at": "2099-01-01T00:00:00Z"})).await;
    let by_agent = app.get(&format!("/v1/calls?agent_id={agent}"), &acct.key).await.body;
    assert_eq!(by_agent["data"].as_array().unwrap().len(), 1);
    assert_eq!(by_agent["data"][0]["id"], a["id"]);
    assert_eq!(by_agent["data"][0]["agent"]["name"], "Riley");
    let by_number = app.get(&format!("/v1/numbers/{other_number}/calls"), &acct.key).await.body;
    assert_eq!(by_number["data"][0]["from_number_id"], other_number.as_str());
    assert_eq!(
        app.get(&format!("/v1/calls?number_id={number}&status=queued"), &acct.key).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(app.get("/v1/calls?status=completed", &acct.key).await.body["data"], json!([]));
    app.get("/v1/calls?status=sleeping", &acct.key).await.assert_error(400, "validation_error");
    let paged = app.get("/v1/calls?page=1&limit=1", &acct.key).await.body;
    assert_eq!((paged["count"].as_u64(), paged["pages"].as_u64()), (Some(2), Some(2)));
    let future = app.get("/v1/calls?created_after=2099-01-01T00:00:00Z", &acct.key).await.body;
    assert_eq!(future["data"], json!([]));
    let other = app.account("B").await;
    app.get(&format!("/v1/calls/{}", a["id"].as_str().unwrap()), &other.key).await.assert_error(404, "not_found");
    app.post(&format!("/v1/calls/{}/end", a["id"].as_str().unwrap()), &other.key, json!({}))
        .await
        .assert_error(404, "not_found");
    app.get(&format!("/v1/numbers/{number}/calls"), &other.key).await.assert_error(404, "not_found");
}

/// Two nodes on one Postgres: keys and the end of a call ordered on the node that does not run it
/// reach the node that does (`NOTIFY`), and a live event stream on either node gets the call's
/// events pushed as they are committed (the 5 s re-read is far slower than what is checked here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_ended_through_either_node() {
    let app = spawn_app_with(Engine::Postgres, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.calls.heartbeat_secs = 1;
    })
    .await;
    let node_b = app.second_node().await;
    let acct = app.account("A").await;
    let speech =
        json!({"stt": {"type": "stand_in", "transcript": "Yes."}, "tts": {"type": "stand_in", "audio_ms": 400}});
    let body = json!({"name": "Riley", "first_message": "Hello.", "brain": {"type": "stand_in", "reply": "Sure."}, "speech": speech});
    let agent = app.post("/v1/agents", &acct.key, body).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550150", "agent_id": agent}))
        .await
        .assert_status(201);
    // …0107 answers and stays on the line, with real-time audio.
    let id = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550107"})).await.id();
    wait_for_within(&app, &acct.test_key, &id, 20, |c| c["status"] == "in_progress").await;
    let owner: String = sqlx::query_scalar("SELECT owner_node FROM calls WHERE id = $1")
        .bind(&id)
        .fetch_one(agentline_store::test_support::pool(&app.store))
        .await
        .unwrap();
    let other = if owner == "node-b" { app.base.clone() } else { node_b.base.clone() };
    let stream = app
        .client
        .get(format!("{other}/v1/calls/{id}/events"))
        .bearer_auth(&acct.test_key)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let events = tokio::spawn(crate::helpers::read_sse_timed(stream));
    // Both nodes hear the cluster, so their streams re-read the log only every 5 s unless told.
    for base in [&app.base, &node_b.base] {
        let health = crate::helpers::health_when(&app.client, base, "listening").await;
        assert_eq!(health["cluster"], "listening", "{health}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let keys = app
        .client
        .post(format!("{other}/v1/calls/{id}/dtmf"))
        .bearer_auth(&acct.test_key)
        .json(&json!({"digits": "1"}));
    let sent_at = std::time::Instant::now();
    assert_eq!(keys.send().await.unwrap().status(), 202, "the keys travel to the node that runs the call");
    crate::sip::wait_for_events(&app, &acct.test_key, &id, "call.dtmf", 1, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let ended = app.client.post(format!("{other}/v1/calls/{id}/end")).bearer_auth(&acct.test_key).send().await.unwrap();
    assert_eq!(ended.status(), 200);
    let call = wait_for_within(&app, &acct.test_key, &id, 10, |c| c["status"] == "completed").await;
    assert_eq!(call["end_reason"], "ended_by_api");
    let hung_up = wait_for_within(&app, &acct.test_key, &id, 15, |c| c["recording_url"].is_string()).await;
    assert!(hung_up["duration"].as_i64().unwrap() < 10, "{hung_up}");

    // The stream on the other node: every event in order, the DTMF pushed within a second.
    let events = tokio::time::timeout(std::time::Duration::from_secs(10), events).await.unwrap().unwrap();
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types.first(), Some(&"call.queued"));
    assert_eq!(types.last(), Some(&"call.completed"), "{types:?}");
    let dtmf = events.iter().find(|(t, _)| t == "call.dtmf").expect("the DTMF event reached the stream");
    let delay = dtmf.1.saturating_duration_since(sent_at);
    assert!(delay < std::time::Duration::from_secs(1), "pushed, not found by a re-read: {delay:?}");
    drop(owner);
}
