//! Handing a live call to a person, over HTTP like a client: blind transfers bridged to sandbox
//! numbers (with their usual outcomes) and billed as a second leg, a busy target the agent takes
//! back, a warm transfer whose whisper is said on real audio, every refusal of the endpoint, and
//! SIP trunks that accept a REFER (with NOTIFY progress) or refuse it (agentline bridges instead).

use crate::calls::fast_app;
use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use crate::peers::{self, Baresip, Sipp, audio, find_audio, wav_channel};
use crate::sip::{keys, place, playing, recording, sip_app, sip_line, status_is, wait_for_events, wait_for_file};
use agentline_media::g711;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(
    a_blind_transfer_bridges_the_target_and_bills_its_minutes,
    a_busy_target_gives_the_call_back_and_a_second_try_connects,
);

/// Sandbox numbers: 0107 stays on the line, 0101 is busy, 0117 answers and hangs up after 7 s.
const STAYS: &str = "+14155550107";
const BUSY: &str = "+14155550101";
const ANSWERS_FOR_7_S: &str = "+14155550117";

/// An agent with a sandbox caller-ID number; returns the agent id.
async fn agent(app: &TestApp, acct: &TestAccount) -> String {
    let body =
        json!({"name": "Riley", "instructions": "Help.", "first_message": "Hi, this is Riley from Bella's Bistro."});
    let agent = app.post("/v1/agents", &acct.key, body).await.assert_status(201).clone();
    let id = agent["id"].as_str().unwrap().to_owned();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550170", "agent_id": id}))
        .await
        .assert_status(201);
    id
}

/// Places a call to `to` and waits until it is answered; returns its id.
async fn answered_call(app: &TestApp, key: &str, agent: &str, to: &str) -> String {
    let call = app.post("/v1/calls", key, json!({"agent_id": agent, "to": to})).await.assert_status(201).clone();
    let id = call["id"].as_str().unwrap().to_owned();
    wait_for_within(app, key, &id, 60, |c| c["status"] == "in_progress").await;
    id
}

fn event_types(app_events: &Value) -> Vec<String> {
    let events = app_events["data"].as_array().unwrap();
    events.iter().map(|e| e["type"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn events(app: &TestApp, key: &str, id: &str) -> Vec<String> {
    event_types(&app.get(&format!("/v1/calls/{id}/events"), key).await.assert_status(200).clone())
}

fn position(types: &[String], wanted: &str) -> usize {
    types.iter().position(|t| t == wanted).unwrap_or_else(|| panic!("no {wanted} in {types:?}"))
}

async fn a_blind_transfer_bridges_the_target_and_bills_its_minutes(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    app.set_account(&acct.account_id, "rate_cents_per_minute", 600).await;
    let agent = agent(&app, &acct).await;
    let id = answered_call(&app, &acct.key, &agent, STAYS).await;

    let accepted = app.post(&format!("/v1/calls/{id}/transfer"), &acct.key, json!({"to": ANSWERS_FOR_7_S})).await;
    assert_eq!(accepted.assert_status(202)["id"], id.as_str());
    // The target hangs up after its 7 s (at the sandbox's speed): the call is over, transferred.
    let call = wait_for_within(&app, &acct.key, &id, 30, |c| c["status"] == "completed").await;
    assert_eq!(call["end_reason"], "transferred", "{call}");
    let transfer = &call["transfer"];
    assert_eq!((transfer["status"].as_str(), transfer["method"].as_str()), (Some("transferred"), Some("bridge")));
    assert_eq!((transfer["to"].as_str(), transfer["mode"].as_str()), (Some(ANSWERS_FOR_7_S), Some("blind")));
    assert!(transfer["bridged_at"].is_string(), "{call}");

    let types = events(&app, &acct.key, &id).await;
    assert!(position(&types, "call.transfer_started") < position(&types, "call.transferred"), "{types:?}");
    assert!(position(&types, "call.transferred") < position(&types, "call.completed"), "{types:?}");

    // Billed: the call's seconds and the bridged leg's, at 10 cents a second.
    let seconds = call["duration"].as_i64().unwrap();
    let cost = call["cost_cents"].as_i64().unwrap();
    assert!(cost > seconds * 10, "the bridged leg is billed too: {cost} cents for {seconds} s");
    let ledger = app.get("/v1/balance/ledger", &acct.key).await.body;
    let charge = ledger["data"].as_array().unwrap().iter().find(|e| e["call_id"] == id.as_str()).cloned().unwrap();
    assert_eq!(charge["amount_cents"].as_i64(), Some(-cost));
    assert!(charge["description"].as_str().unwrap().contains("bridged to its transfer target"), "{charge}");
}

async fn a_busy_target_gives_the_call_back_and_a_second_try_connects(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let id = answered_call(&app, &acct.test_key, &agent, STAYS).await;
    let path = format!("/v1/calls/{id}/transfer");

    app.post(&path, &acct.test_key, json!({"to": BUSY})).await.assert_status(202);
    let call = wait_for_within(&app, &acct.test_key, &id, 15, |c| c["transfer"]["status"] == "failed").await;
    assert_eq!((call["status"].as_str(), call["transfer"]["failure"].as_str()), (Some("in_progress"), Some("busy")));
    assert!(events(&app, &acct.test_key, &id).await.contains(&"call.transfer_failed".to_owned()));

    app.post(&path, &acct.test_key, json!({"to": ANSWERS_FOR_7_S})).await.assert_status(202);
    let call = wait_for_within(&app, &acct.test_key, &id, 15, |c| c["transfer"]["status"] == "transferred").await;
    assert_eq!(call["transfer"]["to"], ANSWERS_FOR_7_S);
    app.post(&path, &acct.test_key, json!({"to": BUSY})).await.assert_error(409, "already_transferred");
    let ended = wait_for_within(&app, &acct.test_key, &id, 30, |c| c["status"] == "completed").await;
    assert_eq!(ended["end_reason"], "transferred");
    app.post(&path, &acct.test_key, json!({"to": BUSY})).await.assert_error(409, "call_not_answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_requests_are_checked_and_change_nothing() {
    let app = fast_app(Engine::Sqlite).await;
    let acct = app.account("A").await;
    let other = app.account("B").await;
    let agent = agent(&app, &acct).await;
    let ringing = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550102"})).await.id();
    let path = format!("/v1/calls/{ringing}/transfer");
    let post = |body: Value, key: String| {
        let (app, path) = (&app, path.clone());
        async move { app.post(&path, &key, body).await }
    };
    post(json!({"to": "555-0100"}), acct.key.clone()).await.assert_error(400, "validation_error");
    post(json!({"to": BUSY, "whisper": "hi"}), acct.key.clone()).await.assert_error(400, "validation_error");
    post(json!({"to": BUSY, "mode": "cold"}), acct.key.clone()).await.assert_status(400);
    post(json!({"to": BUSY}), acct.key.clone()).await.assert_error(409, "call_not_answered");
    post(json!({"to": BUSY}), other.key.clone()).await.assert_status(404);
    let call = app.get(&format!("/v1/calls/{ringing}"), &acct.key).await.body;
    assert!(call["transfer"].is_null(), "{call}");
}

/// Real audio: the agent tells the caller to hold, says the whisper to the person who answers
/// (0117 stays 7 s), then bridges the caller in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_transfer_whispers_to_the_target_before_bridging() {
    let app = spawn_app_with(Engine::Sqlite, |c| c.engine.calls.dispatch_interval_ms = 20).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let id = answered_call(&app, &acct.test_key, &agent, STAYS).await;
    let whisper = "Sam from table four would like to move his booking to Friday.";
    let body = json!({"to": ANSWERS_FOR_7_S, "mode": "warm", "whisper": whisper});
    app.post(&format!("/v1/calls/{id}/transfer"), &acct.test_key, body).await.assert_status(202);

    let call = wait_for_within(&app, &acct.test_key, &id, 40, |c| c["status"] == "completed").await;
    assert_eq!((call["end_reason"].as_str(), call["transfer"]["mode"].as_str()), (Some("transferred"), Some("warm")));
    let log = app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.body;
    let at = |wanted: &str, sip_status: Option<i64>| {
        let events = log["data"].as_array().unwrap().iter();
        let mut matching = events.filter(|e| e["type"] == wanted);
        let found = matching.find(|e| sip_status.is_none() || e["payload"]["sip_status"].as_i64() == sip_status);
        let found = found.unwrap_or_else(|| panic!("no {wanted} {sip_status:?} in {log}"));
        chrono::DateTime::parse_from_rfc3339(found["created_at"].as_str().unwrap()).unwrap()
    };
    // The whisper (about 4 s of speech) is said between the target's answer and the bridge.
    let whispering = at("call.transferred", None) - at("call.transfer_progress", Some(200));
    assert!(whispering >= chrono::Duration::milliseconds(2_500), "bridged {whispering} after the answer");
    let turns = app.get(&format!("/v1/calls/{id}/transcript"), &acct.test_key).await.body;
    let said: Vec<&str> = turns["turns"].as_array().unwrap().iter().filter_map(|t| t["text"].as_str()).collect();
    assert!(said.iter().any(|t| t.contains("Please hold")), "the caller was told to hold: {said:?}");
}

/// A voice that hangs does not keep the caller on hold: past the whisper's wait (10 s) the
/// caller is connected without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_voice_does_not_hold_a_warm_transfer() {
    let app = spawn_app_with(Engine::Sqlite, |c| c.engine.calls.dispatch_interval_ms = 20).await;
    let acct = app.account("A").await;
    let speech = json!({"tts": {"type": "stand_in", "audio_ms": 500, "delay_ms": 30_000}});
    let body = json!({"name": "Riley", "instructions": "Help.", "speech": speech});
    let agent = app.post("/v1/agents", &acct.key, body).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550170", "agent_id": agent}))
        .await
        .assert_status(201);
    let id = answered_call(&app, &acct.test_key, &agent, STAYS).await;
    let body = json!({"to": STAYS, "mode": "warm", "whisper": "Sam wants Friday."});
    app.post(&format!("/v1/calls/{id}/transfer"), &acct.test_key, body).await.assert_status(202);
    let asked = std::time::Instant::now();
    let call = wait_for_within(&app, &acct.test_key, &id, 25, |c| c["transfer"]["status"] == "transferred").await;
    assert!(asked.elapsed() < Duration::from_secs(20), "connected {:?} after the request: {call}", asked.elapsed());
    app.post(&format!("/v1/calls/{id}/end"), &acct.test_key, json!({})).await.assert_status(200);
}

/// A trunk that takes the REFER: it reports the referred call by NOTIFY, and agentline lets go
/// with a BYE once the target answered (SIPp checks the Refer-To names the target).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trunk_that_accepts_the_refer_takes_the_call_over() {
    let ports = peers::ports();
    let pairs = playing(&audio().path("callee.ulaw").display().to_string());
    let sipp = Sipp::uas("uas_refer_accept.xml", &ports, &keys(&pairs), &[]).await;
    let app = sip_app(&ports).await;
    let acct = app.account("A").await;
    let agent = sip_line(&app, &acct, &ports, json!({}), None).await;
    let id = place(&app, &acct.key, &agent, json!({})).await;
    crate::calls::wait_for(&app, &acct.key, &id, status_is("in_progress")).await;

    let body = json!({"to": "+14155550188"});
    app.post(&format!("/v1/calls/{id}/transfer"), &acct.key, body).await.assert_status(202);
    let call = wait_for_within(&app, &acct.key, &id, 20, |c| c["status"] == "completed").await;
    assert_eq!(call["end_reason"], "transferred", "{call}");
    assert_eq!(call["transfer"]["method"], "refer");
    let progress = wait_for_events(&app, &acct.key, &id, "call.transfer_progress", 2, 5).await;
    let codes: Vec<i64> = progress.iter().filter_map(|e| e["payload"]["sip_status"].as_i64()).collect();
    assert!(codes.contains(&200), "NOTIFY progress reached the events: {codes:?}");
    assert_eq!(sipp.finish().await, 0, "SIPp saw the REFER, its NOTIFYs answered and our BYE");
}

/// A trunk that refuses the REFER (403): agentline dials the target through the trunk and
/// bridges the legs: the caller's recording holds the target's audio, sample for sample.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refer_is_bridged_by_agentline() {
    let ports = peers::ports();
    let pairs = playing(&audio().path("callee.ulaw").display().to_string());
    let sipp = Sipp::uas("uas_refer_refuse.xml", &ports, &keys(&pairs), &["-m", "2"]).await;
    let app = sip_app(&ports).await;
    let acct = app.account("A").await;
    let agent = sip_line(&app, &acct, &ports, json!({}), None).await;
    let id = place(&app, &acct.key, &agent, json!({})).await;
    crate::calls::wait_for(&app, &acct.key, &id, status_is("in_progress")).await;

    app.post(&format!("/v1/calls/{id}/transfer"), &acct.key, json!({"to": "+14155550188"})).await.assert_status(202);
    let call = wait_for_within(&app, &acct.key, &id, 20, |c| c["transfer"]["status"] == "transferred").await;
    assert_eq!(call["transfer"]["method"], "bridge", "{call}");
    // Let the target's audio flow through the bridge for a while, then end both legs.
    tokio::time::sleep(Duration::from_secs(4)).await;
    app.post(&format!("/v1/calls/{id}/end"), &acct.key, json!({})).await.assert_status(200);
    let call = wait_for_within(&app, &acct.key, &id, 20, |c| c["status"] == "completed").await;
    assert_eq!(call["end_reason"], "ended_by_api");
    assert_eq!(sipp.finish().await, 0, "both SIPp calls ended with our BYE");
    // The bridge keeps the 20 ms rhythm: about 50 packets a second went to the caller, not more.
    let (sent_packets, secs) = (call["media"]["packets_sent"].as_i64().unwrap(), call["duration"].as_i64().unwrap());
    assert!(sent_packets <= secs * 50 + 10, "{sent_packets} packets in {secs} s");

    let path = recording(&app, &id);
    wait_for_file(&path).await;
    let sent = wav_channel(&path, 1);
    let played: Vec<i16> =
        std::fs::read(audio().path("callee.ulaw")).unwrap().iter().map(|b| g711::ulaw_decode(*b)).collect();
    let needle = &played[6_000..8_000];
    assert!(find_audio(&sent, needle, 0).is_some(), "the target's audio reached the caller through the bridge");
}

/// The agent's brain decides to transfer (a webhook brain answering `transfer_to`, the same
/// action as the LLM brain's `transfer_call` tool): the sandbox callee is handed over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_brain_can_hand_the_call_over() {
    let router = axum::Router::new().route(
        "/brain",
        axum::routing::post(|| async {
            axum::Json(json!({"say": "Let me connect you with our manager.", "transfer_to": ANSWERS_FOR_7_S}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/brain", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true; // the brain's server lives on loopback
    })
    .await;
    let acct = app.account("A").await;
    let body =
        json!({"name": "Riley", "first_message": "Hi, this is Riley.", "brain": {"type": "webhook", "url": url}});
    let agent = app.post("/v1/agents", &acct.key, body).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550170", "agent_id": agent}))
        .await
        .assert_status(201);
    let id = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550100"})).await.id();

    let call = wait_for_within(&app, &acct.test_key, &id, 60, |c| c["status"] == "completed").await;
    assert_eq!(
        (call["end_reason"].as_str(), call["transfer"]["to"].as_str()),
        (Some("transferred"), Some(ANSWERS_FOR_7_S))
    );
    assert_eq!(call["transfer"]["method"], "bridge", "{call}");
}

/// baresip, a real softphone, takes a REFER as a phone does: it accepts it (202), places the
/// referred call itself (here to its own number, which it answers) and reports it by NOTIFY;
/// our leg then hangs up and the call ends transferred.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_follows_the_refer_and_reports_it() {
    let ports = peers::ports();
    let dir = tempfile::tempdir().unwrap();
    let number = "+12025550100";
    let baresip = Baresip::callee(&ports, number, &audio().path("silence8k.wav"), dir.path()).await;
    let app = sip_app(&ports).await;
    let acct = app.account("A").await;
    let agent = sip_line(&app, &acct, &ports, json!({}), None).await;
    let id = place(&app, &acct.key, &agent, json!({"to": number})).await;
    crate::calls::wait_for(&app, &acct.key, &id, status_is("in_progress")).await;

    app.post(&format!("/v1/calls/{id}/transfer"), &acct.key, json!({"to": number})).await.assert_status(202);
    let call = wait_for_within(&app, &acct.key, &id, 20, |c| c["status"] == "completed").await;
    let log = baresip.log_text();
    baresip.stop().await;
    assert_eq!(
        (call["end_reason"].as_str(), call["transfer"]["method"].as_str()),
        (Some("transferred"), Some("refer")),
        "{call}\n{log}"
    );
    let progress = wait_for_events(&app, &acct.key, &id, "call.transfer_progress", 2, 5).await;
    let codes: Vec<i64> = progress.iter().filter_map(|e| e["payload"]["sip_status"].as_i64()).collect();
    assert!(codes.contains(&200), "baresip's NOTIFY said the referred call connected: {codes:?}\n{log}");
    assert!(log.contains("transferring call"), "baresip placed the referred call:\n{log}");
    assert!(log.contains(&format!("Call established: sip:{number}@")), "and it was answered:\n{log}");
}
