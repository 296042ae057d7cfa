//! Answering machines on sandbox calls with audio: the agent tells a machine from a person by ear
//! (greeting length, the beep, voicemail words), records who answered, and with its `voicemail`
//! setting leaves a message after the beep or hangs up. The sandbox's machines (0104 with a beep,
//! 0110 without) speak their greetings over RTP like the talking callee.

use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use serde_json::{Value, json};

const GREETING: &str = "Hi Sam, this is Alex from Bella's Bistro. Do you have a minute?";

async fn app() -> TestApp {
    spawn_app_with(Engine::Sqlite, |c| c.engine.calls.dispatch_interval_ms = 20).await
}

/// An agent with `voicemail` and a caller-ID number.
async fn agent(app: &TestApp, acct: &TestAccount, voicemail: Value) -> String {
    let brain = json!({"type": "script", "branches": [
        {"keywords": ["goodbye", "bye"], "reply": "Goodbye!", "end_call": true}
    ], "fallback": "I see.", "max_turns": 3});
    let body = json!({"name": "Alex", "first_message": GREETING, "brain": brain, "voicemail": voicemail});
    let agent = app.post("/v1/agents", &acct.key, body).await.assert_status(201).clone();
    assert_eq!(agent["voicemail"], voicemail, "{agent}");
    let id = agent["id"].as_str().unwrap().to_owned();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550180", "agent_id": id}))
        .await
        .assert_status(201);
    id
}

/// Places a test call and waits (real time) for its end; returns the call, its turns and its events.
async fn call(app: &TestApp, acct: &TestAccount, body: Value) -> (Value, Vec<Value>, Vec<Value>) {
    let call = app.post("/v1/calls", &acct.test_key, body).await.assert_status(201).clone();
    let id = call["id"].as_str().unwrap().to_owned();
    let ended = wait_for_within(app, &acct.test_key, &id, 120, |c| c["status"] == "completed").await;
    let transcript = app.get(&format!("/v1/calls/{id}/transcript"), &acct.test_key).await.assert_status(200).clone();
    let events = app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.assert_status(200).clone();
    (ended, transcript["turns"].as_array().unwrap().clone(), events["data"].as_array().unwrap().clone())
}

fn agent_said(turns: &[Value]) -> Vec<(String, i64)> {
    let agent = turns.iter().filter(|t| t["speaker"] == "agent");
    agent.map(|t| (t["text"].as_str().unwrap().to_owned(), t["start_ms"].as_i64().unwrap())).collect()
}

fn answered_by_event(events: &[Value]) -> Value {
    let found = events.iter().find(|e| e["type"] == "call.answered_by" || e["event_type"] == "call.answered_by");
    found.unwrap_or_else(|| panic!("a call.answered_by event: {events:#?}")).clone()
}

#[tokio::test]
async fn a_voicemail_gets_the_message_after_the_beep() {
    let app = app().await;
    let acct = app.account("Bistro").await;
    let message = "Hi {{name}}, this is Alex from Bella's Bistro. Please call us back.";
    let agent = agent(&app, &acct, json!({"action": "leave_message", "message": message})).await;
    let body = json!({"agent_id": agent, "to": "+14155550104", "variables": {"name": "Sam"}});
    let (call, turns, events) = call(&app, &acct, body).await;

    assert_eq!(
        (call["answered_by"].as_str(), call["end_reason"].as_str()),
        (Some("machine"), Some("voicemail")),
        "{call}"
    );
    let said = agent_said(&turns);
    assert_eq!(said.len(), 1, "only the message, no greeting: {turns:#?}");
    assert_eq!(said[0].0, "Hi Sam, this is Alex from Bella's Bistro. Please call us back.");
    // The machine's greeting lasts about 5 s from 0.4 s after the answer; the beep follows it.
    assert!(said[0].1 > 5_000, "the message starts after the greeting and the beep: {turns:#?}");
    let decided = answered_by_event(&events);
    assert_eq!(decided["payload"]["answered_by"], "machine", "{decided}");
}

#[tokio::test]
async fn a_machine_without_a_beep_is_hung_up_on() {
    let app = app().await;
    let acct = app.account("Bistro").await;
    let agent = agent(&app, &acct, json!({"action": "hangup"})).await;
    let (call, turns, events) = call(&app, &acct, json!({"agent_id": agent, "to": "+14155550110"})).await;
    assert_eq!(
        (call["answered_by"].as_str(), call["end_reason"].as_str()),
        (Some("machine"), Some("voicemail")),
        "{call}"
    );
    assert!(agent_said(&turns).is_empty(), "the agent said nothing: {turns:#?}");
    assert!(call["duration"].as_i64().unwrap() < 20, "hung up well before the machine's limit: {call}");
    assert_eq!(answered_by_event(&events)["payload"]["answered_by"], "machine");
}

#[tokio::test]
async fn a_person_with_a_long_hello_is_greeted() {
    let app = app().await;
    let acct = app.account("Bistro").await;
    let agent = agent(&app, &acct, json!({"action": "leave_message", "message": "Please call us back."})).await;
    let lines = ["Hello, this is Jordan at Bright Dental, how can I help you today?", "Okay, goodbye."];
    let body = json!({"agent_id": agent, "to": "+14155550100", "sandbox": {"callee_lines": lines}});
    let (call, turns, events) = call(&app, &acct, body).await;
    assert_eq!(call["answered_by"], "human", "{call}");
    assert_ne!(call["end_reason"], "voicemail", "{call}");
    let said: Vec<String> = agent_said(&turns).into_iter().map(|(text, _)| text).collect();
    assert_eq!(said.first().map(String::as_str), Some(GREETING), "the person is greeted: {turns:#?}");
    assert!(!said.iter().any(|text| text.contains("call us back")), "no voicemail message: {said:?}");
    assert_eq!(answered_by_event(&events)["payload"]["reason"], "short greeting");
}

#[tokio::test]
async fn voicemail_settings_are_checked() {
    let app = app().await;
    let acct = app.account("Bistro").await;
    for (bad, field) in [
        (json!({"action": "sing"}), "voicemail"),
        (json!({"action": "leave_message", "message": "  "}), "voicemail.message"),
        (json!({"action": "leave_message", "message": "Hi {{ name"}), "voicemail.message"),
    ] {
        let refused = app.post("/v1/agents", &acct.key, json!({"name": "Alex", "voicemail": bad})).await;
        let param = refused.assert_status(400)["error"]["param"].as_str().unwrap_or_default().to_owned();
        assert!(param.starts_with(field), "{bad}: {}", refused.body);
    }
    let listed = app.get("/v1/agents", &acct.key).await.assert_status(200).clone();
    assert!(listed["data"].as_array().unwrap().is_empty(), "nothing was created: {listed}");
}
