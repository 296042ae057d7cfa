//! The conversation end to end on the embedded default: sandbox calls carry audio both ways
//! over RTP on loopback, the sandbox callee speaks (espeak-ng) and listens, the agent hears it
//! through voice activity detection and the local recogniser (Moonshine), answers with its
//! script brain through espeak-ng, and everything lands in the transcript and the recording.

use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use serde_json::{Value, json};

const GREETING: &str = "Hi Sam, this is Alex from Bella's Bistro. We have just opened our new garden terrace, \
                        and I am calling our best guests first. Do you have a minute?";

async fn talking_app() -> TestApp {
    spawn_app_with(Engine::Sqlite, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true; // the test's LLM servers live on loopback
    })
    .await
}

/// A script agent for the sandbox callee's lines, with a caller-ID number.
async fn bistro_agent(app: &TestApp, acct: &TestAccount) -> String {
    let brain = json!({
        "type": "script",
        "branches": [
            {"keywords": ["driving"], "reply": "No problem, I will call you back later. Drive safely, goodbye!", "end_call": true},
            {"keywords": ["goodbye", "bye", "thank you"], "reply": "Thank you Sam, enjoy your evening. Goodbye!", "end_call": true},
            {"keywords": ["details", "sounds good", "send"], "reply": "Great, I will text you the details right after this call."},
            {"keywords": ["minute", "about", "what"], "reply": "We would like to offer you a free dessert with your next dinner. Shall I send you the details?"}
        ],
        "fallback": "Sorry, I did not catch that. Would you like to hear about our new terrace?",
        "max_turns": 6
    });
    let agent = json!({"name": "Alex", "instructions": "You call for Bella's Bistro.", "first_message": GREETING, "brain": brain});
    let agent = app.post("/v1/agents", &acct.key, agent).await.assert_status(201)["id"].as_str().unwrap().to_owned();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550180", "agent_id": agent}))
        .await
        .assert_status(201);
    agent
}

/// Places a test-mode call to `to` and waits (real time) until it has ended and its recording is stored.
async fn converse(app: &TestApp, acct: &TestAccount, to: &str) -> Value {
    let agent = bistro_agent(app, acct).await;
    let call =
        app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": to})).await.assert_status(201).clone();
    let id = call["id"].as_str().unwrap().to_owned();
    wait_for_within(app, &acct.test_key, &id, 120, |c| c["status"] == "completed" && !c["recording_url"].is_null())
        .await
}

/// A new server and account, a finished sandbox conversation with `to`, and its transcript turns.
async fn conversation_with(to: &str) -> (TestApp, TestAccount, Value, Vec<Value>) {
    let app = talking_app().await;
    let acct = app.account("Bistro").await;
    let call = converse(&app, &acct, to).await;
    let turns = transcript(&app, &acct, call["id"].as_str().unwrap()).await;
    (app, acct, call, turns)
}

async fn transcript(app: &TestApp, acct: &TestAccount, id: &str) -> Vec<Value> {
    let body = app.get(&format!("/v1/calls/{id}/transcript"), &acct.test_key).await.assert_status(200).clone();
    body["turns"].as_array().unwrap().clone()
}

fn texts(turns: &[Value], speaker: &str) -> String {
    let said = turns.iter().filter(|t| t["speaker"] == speaker).map(|t| t["text"].as_str().unwrap().to_lowercase());
    said.collect::<Vec<_>>().join(" | ")
}

/// The call's recording, fetched over HTTP: (callee channel, agent channel) at 8 kHz.
async fn recording(app: &TestApp, acct: &TestAccount, call: &Value) -> (Vec<i16>, Vec<i16>) {
    let url = format!("{}{}", app.base, call["recording_url"].as_str().unwrap());
    let response = reqwest::Client::new().get(url).bearer_auth(&acct.test_key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!((reader.spec().channels, reader.spec().sample_rate), (2, 8000));
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    (samples.iter().step_by(2).copied().collect(), samples.iter().skip(1).step_by(2).copied().collect())
}

/// Root mean square of `channel` between two offsets in milliseconds.
fn loudness(channel: &[i16], from_ms: i64, to_ms: i64) -> f64 {
    let at = |ms: i64| usize::try_from(ms.max(0) * 8).unwrap_or(0).min(channel.len());
    let part = &channel[at(from_ms)..at(to_ms)];
    if part.is_empty() {
        return 0.0;
    }
    (part.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / part.len() as f64).sqrt()
}

#[tokio::test]
async fn a_sandbox_call_holds_a_spoken_conversation() {
    let (app, acct, call, turns) = conversation_with("+14155550100").await;
    let (caller, agent) = (texts(&turns, "caller"), texts(&turns, "agent"));

    // The callee's words were recognised from its audio: they appear nowhere else in the server.
    // (The local recogniser gets about 60–80 % of these synthetic words right; see docs/conversation.md.)
    let words = [
        "hello", "sam", "speaking", "yes", "minute", "what", "about", "sounds", "good", "please", "send", "details",
        "ok", "okay", "thank", "goodbye",
    ];
    let heard = words.iter().filter(|w| caller.split(|c: char| !c.is_alphanumeric()).any(|said| said == **w)).count();
    assert!(heard >= 5, "the callee's words were not recognised: {caller}\n{turns:#?}");
    assert!(agent.contains("bella's bistro"), "the greeting is in the transcript: {agent}");
    assert!(agent.contains("dessert") || agent.contains("details"), "the script answered the callee: {agent}");
    let caller_turns = turns.iter().filter(|t| t["speaker"] == "caller").count();
    assert!(caller_turns >= 3, "{turns:?}");

    // The stereo recording holds the two voices on their own channels, where the transcript says.
    let (left, right) = recording(&app, &acct, &call).await;
    for turn in &turns {
        let (start, end) = (turn["start_ms"].as_i64().unwrap(), turn["end_ms"].as_i64().unwrap());
        let (own, other) = if turn["speaker"] == "caller" { (&left, &right) } else { (&right, &left) };
        let (own, other) = (loudness(own, start, end), loudness(other, start, end));
        assert!(own > 300.0 && own > 3.0 * other, "turn {turn} is not on its channel: {own:.0} vs {other:.0}");
    }

    // Each answer's latency figures are on the call.
    let latency = &call["latency"];
    assert!(latency["turns"].as_u64().unwrap() >= 1, "{latency}");
    assert!(latency["server_ms"]["p95"].as_f64().unwrap() < 100.0, "{latency}");
    assert!(latency["stt_ms"]["p50"].as_f64().unwrap() > 0.0, "{latency}");
}

#[tokio::test]
async fn the_callee_interrupting_stops_the_agent_at_once() {
    let (app, acct, call, turns) = conversation_with("+14155550108").await;
    let id = call["id"].as_str().unwrap();

    let cut =
        turns.iter().find(|t| t["interrupted"] == true).unwrap_or_else(|| panic!("no interrupted turn: {turns:?}"));
    let said = cut["text"].as_str().unwrap();
    assert!(!said.is_empty() && said.len() < GREETING.len() && GREETING.starts_with(said), "{said:?}");
    let caller = texts(&turns, "caller");
    assert!(caller.contains("driving") || caller.contains("stop"), "the interruption was heard: {caller}");

    let events = app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.body.clone();
    let barge = events["data"].as_array().unwrap().iter().find(|e| e["payload"]["kind"] == "barge_in").cloned();
    let stopped_ms = barge.expect("a barge_in event")["payload"]["playout_stopped_ms"].as_f64().unwrap();
    assert!(stopped_ms <= 40.0, "playout stopped {stopped_ms} ms after the speech was detected");

    // In the recording the agent's channel falls silent right where its turn was cut, while the callee talks on.
    let (left, right) = recording(&app, &acct, &call).await;
    let end = cut["end_ms"].as_i64().unwrap();
    assert!(loudness(&right, end - 800, end - 100) > 300.0, "the agent was talking before the cut");
    assert!(loudness(&right, end + 60, end + 600) < 100.0, "the agent kept talking after the cut");
    assert!(loudness(&left, end, end + 600) > 300.0, "the callee talks on");
}

/// A chat-completions server that always fails, on loopback; returns its `/v1` base URL.
async fn failing_llm() -> String {
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "model overloaded") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test]
async fn a_failing_brain_falls_back_to_a_phrase_and_says_so_in_the_events() {
    let app = talking_app().await;
    let acct = app.account("Bistro").await;
    let fallback = "Sorry, I am having trouble right now. Could you repeat that?";
    let brain = json!({"type": "llm", "base_url": failing_llm().await, "model": "any", "fallback_phrase": fallback});
    let agent = json!({"name": "Alex", "first_message": "Hi Sam, this is Alex. Do you have a minute?", "brain": brain});
    let agent = app.post("/v1/agents", &acct.key, agent).await.assert_status(201)["id"].as_str().unwrap().to_owned();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550181", "agent_id": agent}))
        .await
        .assert_status(201);
    let call = app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550100"})).await;
    let id = call.assert_status(201)["id"].as_str().unwrap().to_owned();
    wait_for_within(&app, &acct.test_key, &id, 120, |c| c["status"] == "completed").await;

    let turns = transcript(&app, &acct, &id).await;
    assert!(texts(&turns, "agent").contains(&fallback.to_lowercase()), "the fallback was spoken: {turns:?}");
    let events = app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.body.clone();
    let degraded =
        events["data"].as_array().unwrap().iter().find(|e| e["payload"]["kind"] == "brain_degraded").cloned();
    let detail = degraded.expect("a brain_degraded event")["payload"]["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("500"), "the event says what failed: {detail}");
}

#[tokio::test]
async fn a_test_call_scripts_what_the_sandbox_callee_says() {
    let app = talking_app().await;
    let acct = app.account("Bistro").await;
    let agent = bistro_agent(&app, &acct).await;
    let lines = ["Hello, who is calling please?", "I am out in the garden. Please call me again tomorrow morning."];
    let body = |lines: Value| json!({"agent_id": agent, "to": "+14155550100", "sandbox": {"callee_lines": lines}});

    // Live keys cannot script the callee, and a script must hold 1 to 20 non-empty lines; nothing is placed.
    let live = app.post("/v1/calls", &acct.key, body(json!(lines))).await;
    assert_eq!(live.assert_status(400)["error"]["param"], "sandbox", "{}", live.body);
    for bad in [json!([]), json!(["Hello?", "  "]), json!(vec!["Hi."; 21]), json!("Hello?")] {
        let refused = app.post("/v1/calls", &acct.test_key, body(bad.clone())).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    let listed = app.get("/v1/calls", &acct.test_key).await.assert_status(200).clone();
    assert_eq!(listed["data"].as_array().unwrap().len(), 0, "refused requests placed nothing: {listed}");

    let call = app.post("/v1/calls", &acct.test_key, body(json!(lines))).await.assert_status(201).clone();
    assert_eq!(call["sandbox"]["callee_lines"], json!(lines));
    let id = call["id"].as_str().unwrap();
    let ended = wait_for_within(&app, &acct.test_key, id, 120, |c| c["status"] == "completed").await;
    assert_eq!(ended["end_reason"], "caller_hangup", "the callee hangs up after its last line: {ended}");

    // The transcript holds one caller turn per scripted line, in order: what the agent heard of them.
    let turns = transcript(&app, &acct, id).await;
    let caller: Vec<String> =
        turns.iter().filter(|t| t["speaker"] == "caller").map(|t| t["text"].as_str().unwrap().to_lowercase()).collect();
    assert_eq!(caller.len(), 2, "{turns:#?}");
    let heard = |turn: &str, words: &[&str]| words.iter().filter(|w| turn.contains(**w)).count();
    assert!(heard(&caller[0], &["hello", "who", "calling"]) >= 1, "{caller:?}");
    assert!(heard(&caller[1], &["garden", "call", "again", "tomorrow", "morning"]) >= 2, "{caller:?}");
}
