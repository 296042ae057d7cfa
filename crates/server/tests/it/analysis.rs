//! Post-call analysis against a scripted local model server: the results on the call and in
//! `call.analyzed` after `call.completed`, the per-call overrides, the corrective retry, every way
//! a model can fail (each a clear `failed` that changes nothing else), passing failures retried
//! with backoff, skips without a transcript or a model, re-runs, the SSRF guard, the key rule,
//! a restart with a run pending, and 400s that change nothing.

use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::model::{Model, Reply};
use crate::on_both_engines;
use crate::receiver::{Received, Receiver};
use agentline_domain::call::{CallEvent, EndReason};
use agentline_domain::{CallId, SecretString, Timestamp};
use agentline_server::config::Config;
use agentline_store::lifecycle;
use agentline_store::transcripts::{self, Speaker, TranscriptTurn};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(
    a_completed_call_is_analysed_and_announced_after_call_completed,
    a_pending_run_survives_a_restart_and_runs_once,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_answer_gets_one_corrective_request() {
    let model = Model::start(vec![
        Reply::says("Sure! Sam booked Friday."),
        Reply::json(&json!({"summary": "Sam booked Friday."})),
    ])
    .await;
    let app = app(Engine::Sqlite, |_| {}).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct, json!({"base_url": model.url, "model": "fake-model"})).await;
    let id = completed_call(&app, &acct, &agent, json!({})).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!(call["analysis"]["status"], "completed", "{call}");
    assert_eq!(call["summary"], "Sam booked Friday.");
    let heard = model.heard();
    assert_eq!(heard.len(), 2, "one corrective request");
    let again = heard[1].body["messages"].as_array().unwrap();
    assert_eq!(again[2], json!({"role": "assistant", "content": "Sure! Sam booked Friday."}));
    assert!(again[3]["content"].as_str().unwrap().contains("not a JSON object"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_answer_fails_clearly_and_changes_nothing_else() {
    let app = app(Engine::Sqlite, |c| c.engine.analysis.max_answer_bytes = 4096).await;
    let acct = app.account("A").await;
    let schema = json!({"type": "object", "properties": {"slot": {"type": "string"}}, "required": ["slot"]});
    let wrong_data = json!({"summary": "s", "structured_data": {"slot": 10}});
    let cases: Vec<(Vec<Reply>, &str)> = vec![
        (vec![Reply::json(&wrong_data), Reply::json(&wrong_data)], "structured_data does not match its schema"),
        (vec![Reply::says("{"), Reply::says("still not json")], "is not a JSON object"),
        (vec![Reply::Raw(200, json!({"choices": []}).to_string())], "the model answered nothing"),
        (vec![Reply::says("x".repeat(5000))], "larger than 4096 bytes"),
        (vec![Reply::Raw(200, "<html>oops</html>".into())], "not a chat completion"),
        (vec![Reply::Raw(400, r#"{"error": {"message": "unknown model"}}"#.into())], "HTTP 400"),
        (vec![Reply::Raw(401, "bad key".into())], "HTTP 401"),
    ];
    for (script, expected) in cases {
        let model = Model::start(script.clone()).await;
        let analysis = json!({"base_url": model.url, "model": "fake-model", "structured_data_schema": schema});
        let agent = agent(&app, &acct, analysis).await;
        let id = completed_call(&app, &acct, &agent, json!({})).await;
        let before = app.get(&format!("/v1/calls/{id}"), &acct.key).await.body;
        let call = analysed(&app, &acct, &id).await;
        let analysis = &call["analysis"];
        assert_eq!(analysis["status"], "failed", "{expected}: {call}");
        assert!(analysis["error"].as_str().unwrap().contains(expected), "{expected}: {analysis}");
        assert_eq!(analysis["model"], "fake-model");
        assert!(
            call["summary"].is_null() && call["quality_dimensions"].is_null() && analysis["structured_data"].is_null()
        );
        for field in ["status", "end_reason", "duration", "cost_cents", "ended_at", "updated_at"] {
            assert_eq!(call[field], before[field], "{field} changed after {expected}");
        }
        assert_eq!(model.heard().len(), script.len(), "{expected}: no more requests than the script");
        assert_eq!(event_types(&app, &acct, &id).await.last().map(String::as_str), Some("call.analyzed"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_failures_are_retried_with_backoff_then_fail() {
    let app = app(Engine::Sqlite, |c| c.engine.analysis.timeout_secs = 1).await;
    let acct = app.account("A").await;
    let good = json!({"summary": "Booked."});
    // A 503, then an answer: the retry succeeds.
    let model = Model::start(vec![Reply::Raw(503, "busy".into()), Reply::json(&good)]).await;
    let agent_a = agent(&app, &acct, json!({"base_url": model.url, "model": "fake-model"})).await;
    let id = completed_call(&app, &acct, &agent_a, json!({})).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!((call["analysis"]["status"].as_str(), call["summary"].as_str()), (Some("completed"), Some("Booked.")));
    assert_eq!(model.heard().len(), 2);
    // Too slow every time: two attempts (the schedule has one retry), then failed with the reason kept.
    let slow = Model::start(vec![Reply::Slow(Duration::from_secs(3), good.to_string()); 2]).await;
    let agent_b = agent(&app, &acct, json!({"base_url": slow.url, "model": "fake-model"})).await;
    let started = std::time::Instant::now();
    let id = completed_call(&app, &acct, &agent_b, json!({})).await;
    let call = analysed(&app, &acct, &id).await;
    let error = call["analysis"]["error"].as_str().unwrap();
    assert_eq!(call["analysis"]["status"], "failed");
    assert!(error.contains("no answer within 1000 ms") && error.contains("after 2 attempts"), "{error}");
    assert!(started.elapsed() >= Duration::from_millis(2800), "the retry waited its turn");
    assert_eq!(slow.heard().len(), 2);
    // 500s all along: the same.
    let failing = Model::start(vec![Reply::Raw(500, "boom".into()), Reply::Raw(500, "boom".into())]).await;
    let agent_c = agent(&app, &acct, json!({"base_url": failing.url, "model": "fake-model"})).await;
    let id = completed_call(&app, &acct, &agent_c, json!({})).await;
    let error = analysed(&app, &acct, &id).await["analysis"]["error"].as_str().unwrap().to_owned();
    assert!(error.contains("HTTP 500") && error.contains("boom") && error.contains("after 2 attempts"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_transcript_no_model_or_nothing_asked_is_skipped_without_a_summary() {
    let model = Model::start(vec![]).await;
    let app = app(Engine::Sqlite, |_| {}).await;
    let acct = app.account("A").await;
    let with_model = agent(&app, &acct, json!({"base_url": model.url, "model": "fake-model"})).await;
    let silent = placed_call(&app, &acct, &with_model, json!({})).await;
    complete(&app, &silent).await;
    let skipped = |call: &Value| (call["analysis"]["status"].as_str().map(str::to_owned), call["summary"].clone());
    let call = analysed(&app, &acct, silent.as_str()).await;
    assert_eq!(skipped(&call), (Some("skipped".into()), Value::Null));
    assert_eq!(call["analysis"]["reason"], "the call has no transcript");

    let without_model = agent(&app, &acct, json!({})).await;
    let id = completed_call(&app, &acct, &without_model, json!({})).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!(skipped(&call), (Some("skipped".into()), Value::Null));
    assert!(call["analysis"]["reason"].as_str().unwrap().starts_with("no model configured"), "{call}");

    let id = completed_call(&app, &acct, &with_model, json!({"analysis": {"enabled": false}})).await;
    assert!(analysed(&app, &acct, &id).await["analysis"]["reason"].as_str().unwrap().contains("turned off"));
    let id = completed_call(&app, &acct, &with_model, json!({"analysis": {"summary": false}})).await;
    assert!(analysed(&app, &acct, &id).await["analysis"]["reason"].as_str().unwrap().contains("no part"));
    assert!(model.heard().is_empty(), "no model was asked");
    let events = event_types(&app, &acct, &id).await;
    assert_eq!(&events[events.len() - 2..], ["call.completed", "call.analyzed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_urls_pass_the_ssrf_guard() {
    let model = Model::start(vec![]).await;
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.webhook_allow_private = false;
        c.engine.analysis.base_url = model.url.clone();
        c.engine.analysis.model = "server-model".into();
    })
    .await;
    let acct = app.account("A").await;
    let refused = [
        (json!({"name": "x", "analysis": {"base_url": "http://127.0.0.1:11434/v1"}}), "analysis.base_url"),
        (
            json!({"name": "x", "brain": {"type": "llm", "base_url": "http://10.0.0.8/v1", "model": "m"}}),
            "brain.base_url",
        ),
        (
            json!({"name": "x", "brain": {"type": "llm", "base_url": "https://llm.example.com/v1", "model": "m",
                   "tools": [{"name": "t", "url": "http://169.254.169.254/latest"}]}}),
            "brain.tools[0].url",
        ),
    ];
    for (body, field) in refused {
        let response = app.post("/v1/agents", &acct.key, body).await;
        response.assert_error(400, "validation_error");
        assert_eq!(response.body["error"]["param"], field, "{}", response.body);
    }
    // The server's own model on loopback is refused at run time too, with the guard on.
    let agent = agent(&app, &acct, json!({})).await;
    let id = completed_call(&app, &acct, &agent, json!({})).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!(call["analysis"]["status"], "failed");
    assert!(call["analysis"]["error"].as_str().unwrap().contains("refused by the SSRF guard"), "{call}");
    assert!(model.heard().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_key_goes_only_to_the_servers_model_and_the_accounts_key_anywhere() {
    let server_model = Model::start(vec![Reply::json(&json!({"summary": "s"}))]).await;
    let own_model = Model::start(vec![Reply::json(&json!({"summary": "s"})); 2]).await;
    let url = server_model.url.clone();
    let app = app(Engine::Sqlite, move |c| {
        c.engine.analysis.base_url = url;
        c.engine.analysis.model = "server-model".into();
        c.engine.speech.llm_api_key = Some(SecretString::new("server-llm-key"));
    })
    .await;
    let acct = app.account("A").await;
    let by_server = agent(&app, &acct, json!({})).await;
    let by_own = agent(&app, &acct, json!({"base_url": own_model.url, "model": "own-model"})).await;
    for agent in [&by_server, &by_own] {
        let id = completed_call(&app, &acct, agent, json!({})).await;
        assert_eq!(analysed(&app, &acct, &id).await["analysis"]["status"], "completed");
    }
    assert_eq!(server_model.heard()[0].authorization.as_deref(), Some("Bearer server-llm-key"));
    assert_eq!(server_model.heard()[0].body["model"], "server-model");
    assert_eq!(own_model.heard()[0].authorization, None, "the server's key never leaves for a tenant's URL");
    let credentials = json!({"api_key": "acct-openai-key"});
    app.send(Method::PUT, "/v1/credentials/openai", Some(&acct.key), Some(&credentials)).await.assert_status(200);
    let id = completed_call(&app, &acct, &by_own, json!({})).await;
    analysed(&app, &acct, &id).await;
    assert_eq!(own_model.heard()[1].authorization.as_deref(), Some("Bearer acct-openai-key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_get_a_400_naming_the_field_and_change_nothing() {
    let app = app(Engine::Sqlite, |_| {}).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct, json!({"model": "m", "base_url": "http://127.0.0.1:1/v1"})).await;
    let before = app.get(&format!("/v1/agents/{agent}"), &acct.key).await.body;
    let bad = [
        (
            json!({"structured_data_schema": {"type": "object", "properties": {"a": {"type": "strin"}}}}),
            "analysis.structured_data_schema",
        ),
        (json!({"structured_data_schema": {"type": "array"}}), "analysis.structured_data_schema"),
        (json!({"model": ""}), "analysis.model"),
        (json!({"base_url": "ftp://x"}), "analysis.base_url"),
        (json!({"success_criteria": " "}), "analysis.success_criteria"),
    ];
    for (analysis, field) in bad {
        let response = app.patch(&format!("/v1/agents/{agent}"), &acct.key, json!({ "analysis": analysis })).await;
        response.assert_error(400, "validation_error");
        assert_eq!(response.body["error"]["param"], field, "{}", response.body);
    }
    app.patch(&format!("/v1/agents/{agent}"), &acct.key, json!({"analysis": {"summmary": true}}))
        .await
        .assert_error(400, "validation_error");
    assert_eq!(app.get(&format!("/v1/agents/{agent}"), &acct.key).await.body, before, "the agent is unchanged");
    let calls_before = app.get("/v1/calls", &acct.key).await.body["data"].as_array().unwrap().len();
    let body = json!({"agent_id": agent, "to": "+14155550100", "analysis": {"model": ""}});
    let response = app.post("/v1/calls", &acct.test_key, body).await;
    response.assert_error(400, "validation_error");
    assert_eq!(response.body["error"]["param"], "analysis.model");
    assert_eq!(app.get("/v1/calls", &acct.key).await.body["data"].as_array().unwrap().len(), calls_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_is_for_the_accounts_own_ended_calls() {
    let model = Model::start(vec![]).await;
    let app = app(Engine::Sqlite, |_| {}).await;
    let (a, b) = (app.account("A").await, app.account("B").await);
    let agent = agent(&app, &a, json!({"base_url": model.url, "model": "fake-model"})).await;
    let queued = placed_call(&app, &a, &agent, json!({})).await;
    app.post(&format!("/v1/calls/{queued}/analyze"), &a.key, json!({})).await.assert_error(409, "call_not_ended");
    app.post(&format!("/v1/calls/{queued}/analyze"), &b.key, json!({})).await.assert_error(404, "not_found");
    app.post("/v1/calls/call_00000000000000000000000000000000/analyze", &a.key, json!({}))
        .await
        .assert_error(404, "not_found");
    assert!(model.heard().is_empty());
    let call = app.get(&format!("/v1/calls/{queued}"), &a.key).await.body;
    assert!(call["analysis"].is_null(), "a call that has not ended has no analysis: {call}");
}

async fn a_completed_call_is_analysed_and_announced_after_call_completed(engine: Engine) {
    let schema = json!({
        "type": "object",
        "properties": {"slot": {"type": "string"}, "party_size": {"type": "integer", "minimum": 1}},
        "required": ["slot"]
    });
    let answer = json!({
        "summary": "Sam booked a table for two on Friday at 7 pm.",
        "quality_dimensions": {"professionalism": 92, "empathy": 80, "information_gathering": 88, "resolution": 100},
        "sentiment": "positive",
        "structured_data": {"slot": "Friday 19:00", "party_size": 2},
        "success": {"passed": true, "score": 95, "reason": "A slot was booked."}
    });
    let rerun = json!({"summary": "Sam booked Friday.", "quality_dimensions": answer["quality_dimensions"], "sentiment": "neutral",
                       "structured_data": {"slot": "Fri"}, "success": {"passed": false, "score": 40, "reason": "Too vague."}});
    let model = Model::start(vec![Reply::json(&answer)]).await;
    let app = app(engine, |_| {}).await;
    let acct = app.account("A").await;
    let receiver = Receiver::start().await;
    app.post("/v1/webhook-endpoints", &acct.key, json!({"url": receiver.url})).await.assert_status(201);
    let settings = json!({"base_url": model.url, "model": "fake-model", "quality_dimensions": true,
                          "structured_data_schema": schema, "success_criteria": "The callee books a table."});
    let agent = agent(&app, &acct, settings).await;
    // The call adds sentiment to the agent's parts.
    let id = completed_call(&app, &acct, &agent, json!({"analysis": {"sentiment": true}})).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!(call["summary"], answer["summary"]);
    assert_eq!(call["quality_dimensions"], answer["quality_dimensions"]);
    let analysis = &call["analysis"];
    assert_eq!(analysis["status"], "completed", "{call}");
    assert_eq!((analysis["run"].as_i64(), analysis["model"].as_str()), (Some(1), Some("fake-model")));
    assert_eq!(analysis["structured_data"], answer["structured_data"]);
    assert_eq!(analysis["success"], answer["success"]);
    assert_eq!(analysis["sentiment"], "positive");
    assert!(analysis["error"].is_null() && analysis["reason"].is_null());
    assert_eq!(call["analysis_settings"], json!({"sentiment": true}));

    // What the model was asked: the transcript, and a schema holding the user's.
    let asked = &model.heard()[0].body;
    assert_eq!(asked["model"], "fake-model");
    let wanted = &asked["response_format"]["json_schema"]["schema"];
    assert_eq!(wanted["properties"]["structured_data"], schema);
    let mut required: Vec<&str> = wanted["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    required.sort_unstable();
    assert_eq!(required, ["quality_dimensions", "sentiment", "structured_data", "success", "summary"]);
    let user = asked["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("Agent: Hi Sam, this is Riley.") && user.contains("Callee: Friday at seven, for two."),
        "{user}"
    );
    assert!(asked["messages"][0]["content"].as_str().unwrap().contains("The callee books a table."));

    // call.completed, then call.analyzed with the results.
    let got = receiver.wait_until(|r| r.iter().any(|x| x.event_type() == "call.analyzed")).await;
    let types: Vec<String> = got.iter().map(Received::event_type).collect();
    assert_eq!(&types[types.len() - 2..], ["call.completed", "call.analyzed"], "{types:?}");
    let data = &got.last().unwrap().json()["data"];
    assert_eq!(
        (&data["summary"], &data["analysis"]["structured_data"]),
        (&answer["summary"], &answer["structured_data"])
    );
    assert_eq!(data["status"], "completed");

    // The model's tokens are in the usage log.
    let usage = app.get("/v1/usage", &acct.key).await.body;
    let entry = usage["data"].as_array().unwrap().iter().find(|u| u["method"] == "ANALYSIS").cloned();
    let entry = entry.unwrap_or_else(|| panic!("no analysis usage entry: {usage}"));
    assert_eq!((entry["prompt_tokens"].as_i64(), entry["completion_tokens"].as_i64()), (Some(120), Some(30)));
    assert_eq!(entry["call_id"], id.as_str());

    // Asked again: run 2 replaces the results and is announced too.
    model.then(vec![Reply::json(&rerun)]);
    let accepted = app.post(&format!("/v1/calls/{id}/analyze"), &acct.key, json!({})).await;
    assert_eq!(accepted.assert_status(202)["run"], 2);
    let call = wait_for_within(&app, &acct.key, &id, 20, |c| {
        c["analysis"]["run"] == 2 && c["analysis"]["status"] != "pending"
    })
    .await;
    assert_eq!(
        (call["summary"].as_str(), call["analysis"]["sentiment"].as_str()),
        (Some("Sam booked Friday."), Some("neutral"))
    );
    assert_eq!(call["analysis"]["success"]["passed"], false);
    let analysed_events =
        receiver.wait_until(|r| r.iter().filter(|x| x.event_type() == "call.analyzed").count() == 2).await;
    assert_eq!(analysed_events.last().unwrap().json()["data"]["analysis"]["run"], 2);
    assert_eq!(model.heard().len(), 2, "one request per run");
}

async fn a_pending_run_survives_a_restart_and_runs_once(engine: Engine) {
    let model = Model::start(vec![Reply::json(&json!({"summary": "Done."}))]).await;
    let app = app(engine, |c| c.engine.analysis.worker_enabled = false).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct, json!({"base_url": model.url, "model": "fake-model"})).await;
    let id = completed_call(&app, &acct, &agent, json!({})).await;
    let call = app.get(&format!("/v1/calls/{id}"), &acct.key).await.body;
    assert_eq!((call["analysis"]["status"].as_str(), call["analysis"]["run"].as_i64()), (Some("pending"), Some(1)));
    assert!(call["summary"].is_null());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(model.heard().is_empty(), "the worker is off");
    let app = app.restart(|c| c.engine.analysis.worker_enabled = true).await;
    let call = analysed(&app, &acct, &id).await;
    assert_eq!(call["summary"], "Done.");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(model.heard().len(), 1, "run once");
    let events = event_types(&app, &acct, &id).await;
    assert_eq!(events.iter().filter(|t| *t == "call.analyzed").count(), 1, "{events:?}");
}

/// Models on loopback are allowed; one quick retry; webhooks go out in the background.
async fn app(engine: Engine, tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(engine, |c| {
        c.engine.webhook_allow_private = true;
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.analysis.retry_schedule_secs = vec![1];
        c.engine.analysis.timeout_secs = 5;
        tweak(c);
    })
    .await
}

/// An agent with these analysis settings, and a caller-ID number for it.
async fn agent(app: &TestApp, acct: &TestAccount, analysis: Value) -> String {
    let agent = app.post("/v1/agents", &acct.key, json!({"name": "Riley", "analysis": analysis})).await;
    let agent = agent.assert_status(201)["id"].as_str().unwrap().to_owned();
    let number = format!("+1415555{:04}", rand_suffix());
    app.post("/v1/numbers", &acct.key, json!({"phone_number": number, "agent_id": agent})).await.assert_status(201);
    agent
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A test call scheduled far ahead, so only the test moves it.
async fn placed_call(app: &TestApp, acct: &TestAccount, agent: &str, extra: Value) -> CallId {
    let mut body = json!({"agent_id": agent, "to": "+14155550100", "start_at": "2099-01-01T00:00:00Z"});
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    let placed = app.post("/v1/calls", &acct.test_key, body).await;
    CallId::parse(placed.assert_status(201)["id"].as_str().unwrap()).unwrap()
}

/// Moves the call through its life to `completed`, as a supervisor would.
async fn complete(app: &TestApp, id: &CallId) {
    let events = [CallEvent::Dispatched, CallEvent::Ringing, CallEvent::Answered, CallEvent::Connected];
    for event in events.into_iter().chain([CallEvent::Ended(EndReason::CallerHangup)]) {
        lifecycle::advance(&app.store, id, event, None, Timestamp::now()).await.unwrap().expect("the call moves on");
    }
}

/// A completed call with a short conversation in its transcript.
async fn completed_call(app: &TestApp, acct: &TestAccount, agent: &str, extra: Value) -> String {
    let id = placed_call(app, acct, agent, extra).await;
    let lines = [(Speaker::Agent, "Hi Sam, this is Riley."), (Speaker::Caller, "Friday at seven, for two.")];
    for (seq, (speaker, text)) in (0..).zip(lines) {
        let turn = TranscriptTurn {
            seq,
            speaker,
            text: text.into(),
            start_ms: seq * 1000,
            end_ms: seq * 1000 + 800,
            interrupted: false,
        };
        transcripts::append_turn(&app.store, &id, &turn, Timestamp::now()).await.unwrap();
    }
    complete(app, &id).await;
    id.to_string()
}

/// The call once its analysis is no longer pending.
async fn analysed(app: &TestApp, acct: &TestAccount, id: &str) -> Value {
    let done = |c: &Value| c["analysis"].is_object() && c["analysis"]["status"] != "pending";
    wait_for_within(app, &acct.key, id, 20, done).await
}

async fn event_types(app: &TestApp, acct: &TestAccount, id: &str) -> Vec<String> {
    let events = app.get(&format!("/v1/calls/{id}/events"), &acct.key).await.body;
    events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}
