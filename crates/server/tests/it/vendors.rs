//! Per-agent speech and LLM vendors with per-account credentials: `/v1/credentials/{provider}`
//! is write-only and per account, agents' engine settings are checked field by field, and a
//! sandbox call reaches local servers speaking Deepgram's, ElevenLabs' and OpenAI's protocols
//! with the account's keys (the server's only for an account without any).

use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, captured_logs, spawn_app, spawn_app_with};
use crate::on_both_engines;
use agentline_domain::SecretString;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

on_both_engines!(credentials_are_write_only_and_private_to_their_account, engine_settings_are_checked_by_field);

/// What the fake vendors heard: (vendor, the key header, the voice asked for).
type Heard = Arc<Mutex<Vec<(&'static str, String, String)>>>;

/// Said by the fake Deepgram whatever it hears: the callee never says it.
const DEEPGRAM_SAYS: &str = "purple elephants on tuesday";

/// The id of what a request created.
fn created(response: crate::helpers::Resp) -> String {
    response.assert_status(201);
    response.id()
}

async fn put(app: &TestApp, key: &str, path: &str, body: Value) -> crate::helpers::Resp {
    app.send(Method::PUT, path, Some(key), Some(&body)).await
}

async fn credentials_are_write_only_and_private_to_their_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let (a, b) = (app.account("A").await, app.account("B").await);
    let secret = "dg-secret-7f3a9c";
    let body = json!({"api_key": secret, "base_url": "wss://dg.example.com/v1/listen"});
    let saved = put(&app, &a.key, "/v1/credentials/deepgram", body).await;
    let shown = saved.assert_status(200).clone();
    assert_eq!((shown["provider"].clone(), shown["has_api_key"].clone()), (json!("deepgram"), json!(true)));
    assert_eq!(shown["base_url"], "wss://dg.example.com/v1/listen");
    assert!(shown["created_at"].is_string() && shown.get("api_key").is_none(), "{shown}");

    let got = app.get("/v1/credentials/deepgram", &a.key).await.assert_status(200).clone();
    let listed = app.get("/v1/credentials", &a.key).await.assert_status(200).clone();
    assert_eq!(listed["data"], json!([got.clone()]));
    for text in [got.to_string(), listed.to_string(), captured_logs()] {
        assert!(!text.contains(secret), "the key is shown: {text}");
    }
    let stored =
        agentline_store::vendors::list(&app.store, &agentline_domain::AccountId::parse(&a.account_id).unwrap())
            .await
            .unwrap();
    assert!(!format!("{stored:?}").contains(secret), "Debug shows the key");
    assert_eq!(stored[0].api_key, SecretString::new(secret), "the key is stored as given");

    // Another account sees nothing, and cannot remove it.
    app.get("/v1/credentials/deepgram", &b.key).await.assert_error(404, "not_found");
    assert_eq!(app.get("/v1/credentials", &b.key).await.assert_status(200)["data"], json!([]));
    app.delete("/v1/credentials/deepgram", &b.key).await.assert_error(404, "not_found");
    app.get("/v1/credentials/deepgram", &a.key).await.assert_status(200);

    // Bad input names its field and changes nothing; unknown vendors are no resource.
    for (body, field) in [
        (json!({"api_key": "has space"}), "api_key"),
        (json!({"api_key": "k", "base_url": "https://dg.example.com"}), "base_url"),
        (json!({"api_key": "k", "base_url": "ws://127.0.0.1:9/v1/listen"}), "base_url"),
    ] {
        let refused = put(&app, &a.key, "/v1/credentials/deepgram", body).await;
        assert_eq!(refused.assert_status(400)["error"]["param"], field, "{}", refused.body);
    }
    let missing_key = put(&app, &a.key, "/v1/credentials/openai", json!({"base_url": "https://x.example/v1"})).await;
    missing_key.assert_status(400);
    assert_eq!(app.get("/v1/credentials/deepgram", &a.key).await.body, got, "refused requests changed nothing");
    put(&app, &a.key, "/v1/credentials/whisper", json!({"api_key": "k"})).await.assert_status(404);

    app.delete("/v1/credentials/deepgram", &a.key).await.assert_status(200);
    app.get("/v1/credentials/deepgram", &a.key).await.assert_error(404, "not_found");
}

async fn engine_settings_are_checked_by_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let agent = app.agent(&acct.key, "Alex").await;
    let good = json!({"stt": {"type": "deepgram", "model": "nova-2", "language": "en-US"},
                      "tts": {"type": "openai", "model": "gpt-4o-mini-tts", "voice": "alloy"}});
    let saved = app.patch(&format!("/v1/agents/{agent}"), &acct.key, json!({"speech": good})).await;
    assert_eq!(saved.assert_status(200)["speech"], good);
    for (speech, field) in [
        (json!({"stt": {"type": "deepgram", "model": ""}}), "speech.stt.model"),
        (json!({"stt": {"type": "openai", "model": "w", "language": "en US"}}), "speech.stt.language"),
        (json!({"tts": {"type": "elevenlabs", "voice_id": "a b", "model_id": "m"}}), "speech.tts.voice_id"),
        (json!({"tts": {"type": "openai", "model": "m", "voice": "v", "base_url": "ftp://x"}}), "speech.tts.base_url"),
        // The SSRF guard is on by default: a vendor URL may not point inward.
        (
            json!({"stt": {"type": "openai", "model": "w", "base_url": "http://127.0.0.1:8000/v1"}}),
            "speech.stt.base_url",
        ),
        (json!({"tts": {"type": "espeak", "voice": "-w/tmp/x"}}), "speech.tts.voice"),
    ] {
        let refused = app.patch(&format!("/v1/agents/{agent}"), &acct.key, json!({ "speech": speech })).await;
        assert_eq!(refused.assert_status(400)["error"]["param"], field, "{speech}: {}", refused.body);
    }
    let unknown = json!({"speech": {"stt": {"type": "local", "model": "tiny"}}});
    app.patch(&format!("/v1/agents/{agent}"), &acct.key, unknown).await.assert_status(400);
    let now = app.get(&format!("/v1/agents/{agent}"), &acct.key).await.assert_status(200).clone();
    assert_eq!(now["speech"], good, "refused settings changed nothing");
}

/// A Deepgram live-transcription server: answers every turn with [`DEEPGRAM_SAYS`].
async fn deepgram(State(heard): State<Heard>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    heard.lock().unwrap().push(("deepgram", header(&headers, "authorization"), String::new()));
    upgrade.on_upgrade(transcribe).into_response()
}

async fn transcribe(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(&message, Message::Text(text) if text.as_str() == r#"{"type":"CloseStream"}"#) {
            let result = json!({"type": "Results", "is_final": true, "speech_final": true,
                "channel": {"alternatives": [{"transcript": DEEPGRAM_SAYS, "confidence": 0.99}]}});
            let _ = socket.send(Message::Text(result.to_string().into())).await;
            let _ = socket.send(Message::Close(None)).await;
        }
    }
}

/// ElevenLabs' streaming speech: half a second of a 440 Hz tone as 16 kHz PCM.
async fn elevenlabs(State(heard): State<Heard>, Path(voice_id): Path<String>, headers: HeaderMap) -> Vec<u8> {
    heard.lock().unwrap().push(("elevenlabs", header(&headers, "xi-api-key"), voice_id));
    let tone = (0..8_000).map(|i| (8_000.0 * (i as f64 * 440.0 * std::f64::consts::TAU / 16_000.0).sin()) as i16);
    tone.flat_map(i16::to_le_bytes).collect()
}

/// A chat-completions server that refuses every request (the brain's fallback phrase is said).
async fn llm(State(heard): State<Heard>, headers: HeaderMap) -> StatusCode {
    heard.lock().unwrap().push(("llm", header(&headers, "authorization"), String::new()));
    StatusCode::SERVICE_UNAVAILABLE
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned()
}

/// The three fake vendors on one loopback port; returns its `http://` base.
async fn vendors(heard: Heard) -> String {
    let router = axum::Router::new()
        .route("/v1/listen", get(deepgram))
        .route("/v1/text-to-speech/{voice_id}/stream", post(elevenlabs))
        .route("/v1/chat/completions", post(llm))
        .with_state(heard);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// An agent on Deepgram, ElevenLabs and an `llm` brain at `base`, with a caller-ID number. Its
/// post-call analysis is off: it would ask the same fake LLM after the call, and these tests count
/// what each call's conversation asked of the vendors (analysis keys: analysis.rs).
async fn vendor_agent(app: &TestApp, acct: &TestAccount, base: &str, number: &str) -> String {
    let agent = json!({
        "name": "Alex",
        "first_message": "Hi, this is Alex.",
        "analysis": {"enabled": false},
        "speech": {"stt": {"type": "deepgram", "model": "nova-2"},
                   "tts": {"type": "elevenlabs", "voice_id": "agent-voice", "model_id": "eleven_flash_v2_5"}},
        "brain": {"type": "llm", "base_url": format!("{base}/v1"), "model": "any", "fallback_phrase": "One moment."},
    });
    let agent = created(app.post("/v1/agents", &acct.key, agent).await);
    app.post("/v1/numbers", &acct.key, json!({"phone_number": number, "agent_id": agent})).await.assert_status(201);
    agent
}

/// A sandbox call whose callee says two lines and hangs up once answered; returns its transcript.
async fn call(app: &TestApp, acct: &TestAccount, agent: &str, voice: Option<&str>) -> Vec<Value> {
    let mut body = json!({"agent_id": agent, "to": "+14155550100",
                          "sandbox": {"callee_lines": ["Hello?", "I would like a table for two tonight."]}});
    if let Some(voice) = voice {
        body["voice"] = json!(voice);
    }
    let id = created(app.post("/v1/calls", &acct.test_key, body).await);
    wait_for_within(app, &acct.test_key, &id, 120, |c| c["status"] == "completed").await;
    let transcript = app.get(&format!("/v1/calls/{id}/transcript"), &acct.test_key).await.assert_status(200).clone();
    transcript["turns"].as_array().unwrap().clone()
}

fn said_by(turns: &[Value], speaker: &str) -> String {
    let texts = turns.iter().filter(|t| t["speaker"] == speaker).map(|t| t["text"].as_str().unwrap().to_owned());
    texts.collect::<Vec<_>>().join(" | ")
}

/// What `vendor` heard since the last [`forget`]: the keys, and the voices asked for.
fn heard_by(heard: &Heard, vendor: &str) -> (Vec<String>, Vec<String>) {
    let seen: Vec<_> = heard.lock().unwrap().iter().filter(|(v, ..)| *v == vendor).cloned().collect();
    (seen.iter().map(|(_, key, _)| key.clone()).collect(), seen.into_iter().map(|(.., voice)| voice).collect())
}

fn forget(heard: &Heard) {
    heard.lock().unwrap().clear();
}

/// Asserts `vendor` was reached, each time with `key`.
fn assert_keys(heard: &Heard, vendor: &str, key: &str) {
    let (keys, _) = heard_by(heard, vendor);
    assert!(!keys.is_empty() && keys.iter().all(|k| k == key), "{vendor} heard {keys:?}, not only {key:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_uses_the_accounts_vendor_keys_and_the_server_keeps_its_own_for_the_others() {
    // One set of fake vendors stands for the server's configured URLs, another for account A's.
    let (at_server, at_account) = (Heard::default(), Heard::default());
    let (server_base, account_base) = (vendors(at_server.clone()).await, vendors(at_account.clone()).await);
    let ws = |base: &str| format!("{}/v1/listen", base.replacen("http", "ws", 1));
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true; // the fake vendors live on loopback
        c.engine.speech.tts = "espeak".into();
        c.engine.speech.deepgram_url = ws(&server_base);
        c.engine.speech.deepgram_api_key = Some(SecretString::new("server-dg"));
        c.engine.speech.elevenlabs_base_url = server_base.clone();
        c.engine.speech.elevenlabs_api_key = Some(SecretString::new("server-xi"));
        c.engine.speech.llm_api_key = Some(SecretString::new("server-llm"));
        // The server's LLM key goes only to the server's own OpenAI URL.
        c.engine.speech.openai_base_url = format!("{server_base}/v1");
    })
    .await;
    let (a, b) = (app.account("A").await, app.account("B").await);
    for (provider, key, url) in [
        ("deepgram", "acct-dg", ws(&account_base)),
        ("elevenlabs", "acct-xi", account_base.clone()),
        ("openai", "acct-oa", format!("{account_base}/v1")),
    ] {
        let body = json!({"api_key": key, "base_url": url});
        put(&app, &a.key, &format!("/v1/credentials/{provider}"), body).await.assert_status(200);
    }

    // The callee's words reach the agent as the fake Deepgram transcribed them; every vendor got
    // the account's key at the account's URL; the call's `voice` picks the ElevenLabs voice.
    let agent_a = vendor_agent(&app, &a, &account_base, "+14155550190").await;
    let turns = call(&app, &a, &agent_a, Some("call-voice")).await;
    assert!(said_by(&turns, "caller").contains(DEEPGRAM_SAYS), "{turns:#?}");
    assert!(said_by(&turns, "agent").contains("One moment."), "{turns:#?}");
    assert_keys(&at_account, "deepgram", "Token acct-dg");
    assert_keys(&at_account, "elevenlabs", "acct-xi");
    assert_keys(&at_account, "llm", "Bearer acct-oa");
    assert!(heard_by(&at_account, "elevenlabs").1.iter().all(|voice| voice == "call-voice"), "{at_account:?}");
    assert!(at_server.lock().unwrap().is_empty(), "the server's vendors were used: {at_server:?}");
    forget(&at_account);

    // Account B has no credentials, and A's are not its to use: the server's keys serve it.
    let agent_b = vendor_agent(&app, &b, &server_base, "+14155550191").await;
    let turns = call(&app, &b, &agent_b, None).await;
    assert!(said_by(&turns, "caller").contains(DEEPGRAM_SAYS), "{turns:#?}");
    assert_keys(&at_server, "deepgram", "Token server-dg");
    assert_keys(&at_server, "elevenlabs", "server-xi");
    assert_keys(&at_server, "llm", "Bearer server-llm");
    assert!(heard_by(&at_server, "elevenlabs").1.iter().all(|voice| voice == "agent-voice"), "{at_server:?}");
    assert!(at_account.lock().unwrap().is_empty(), "account A's vendors were used for B: {at_account:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_vendor_without_any_key_gives_way_to_the_offline_engines_and_says_so() {
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.speech.tts = "espeak".into();
        c.engine.webhook_allow_private = true; // the agent's (unused) LLM URL is on loopback
    })
    .await;
    let acct = app.account("A").await;
    let agent = vendor_agent(&app, &acct, "http://127.0.0.1:9", "+14155550192").await;
    let id = created(app.post("/v1/calls", &acct.test_key, json!({"agent_id": agent, "to": "+14155550100"})).await);
    let events = || async { app.get(&format!("/v1/calls/{id}/events"), &acct.test_key).await.body };
    let mut notes = Vec::new();
    for _ in 0..200 {
        let all = events().await["data"].as_array().unwrap().clone();
        notes = all.into_iter().filter(|e| e["payload"]["kind"] == "speech_fallback").collect();
        if notes.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let details: Vec<&str> = notes.iter().map(|e| e["payload"]["detail"].as_str().unwrap()).collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[0].starts_with("deepgram needs an API key") && details[0].contains("local recogniser"),
        "{details:?}"
    );
    assert!(details[1].contains("/v1/credentials/elevenlabs") && details[1].contains("offline voice"), "{details:?}");
    app.post(&format!("/v1/calls/{id}/end"), &acct.test_key, json!({})).await;
}
