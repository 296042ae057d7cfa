//! The Twilio carrier against a local server that plays Twilio's part (`agentline-twilio-peer`):
//! its REST API, signed status callbacks, the voice webhook, and Media Streams as the WebSocket
//! client with real μ-law audio and Twilio's playback buffer (marks echoed once played, `clear`).
//! Agents use stand-in speech and brains, so what is checked is the carrier and the engine.

use crate::calls::wait_for_within;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use agentline_twilio_peer::{CallerScript, FakeTwilio, Outcome, connect_stream, post_form};
use serde_json::{Value, json};
use std::time::Duration;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f00dfeedf00dfeedf00dfeedf00dfeed";
const OUR_NUMBER: &str = "+14155550150";
const GREETING: &str = "Hello, this is Riley from Demo Dental calling about your appointment next week.";
const REPLY: &str = "Sure, I can help you with that.";
const HEARD: &str = "I would like to book an appointment";

/// A server that Twilio (the fake) can reach at its public URL, an account with Twilio
/// credentials, and a stand-in agent on a Twilio number.
struct Setup {
    app: TestApp,
    acct: TestAccount,
    twilio: FakeTwilio,
    agent: String,
    number: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn setup(greeting_audio_ms: u32) -> Setup {
    let twilio = FakeTwilio::start(SID, TOKEN).await;
    let port = free_port();
    let api = twilio.base_url().to_owned();
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.bind = format!("127.0.0.1:{port}").parse().unwrap();
        c.engine.twilio.public_url = format!("http://127.0.0.1:{port}");
        c.engine.twilio.api_base_url = api;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await;
    let acct = app.account("Demo Dental").await;
    let put = json!({"account_sid": SID, "auth_token": TOKEN});
    app.send(reqwest::Method::PUT, "/v1/carriers/twilio", Some(&acct.key), Some(&put)).await.assert_status(200);
    let agent = json!({
        "name": "Riley", "instructions": "Book appointments.", "first_message": GREETING,
        "brain": {"type": "stand_in", "reply": REPLY, "delay_ms": 0},
        "speech": {"stt": {"type": "stand_in", "transcript": HEARD},
                   "tts": {"type": "stand_in", "audio_ms": greeting_audio_ms, "delay_ms": 50}},
    });
    let agent = app.post("/v1/agents", &acct.key, agent).await.assert_status(201)["id"].as_str().unwrap().to_owned();
    let number = json!({"phone_number": OUR_NUMBER, "carrier": "twilio", "agent_id": agent});
    let number = app.post("/v1/numbers", &acct.key, number).await.id();
    Setup { app, acct, twilio, agent, number }
}

/// Three seconds of a person speaking, 8 kHz (espeak-ng, as the sandbox callee speaks).
async fn speech() -> Vec<i16> {
    use agentline_speech::TextToSpeech as _;
    use futures_util::StreamExt as _;
    let espeak = agentline_speech::Espeak { voice: None, words_per_minute: None };
    let stream = espeak.synthesize("Hi, I would like to book an appointment for Tuesday please.").await.unwrap();
    stream.map(Result::unwrap).collect::<Vec<_>>().await.concat()
}

/// `script`, then waiting for the agent to speak and fall silent again.
fn after_agent(script: CallerScript) -> CallerScript {
    script
        .wait_for_agent_audio(Duration::from_secs(5))
        .wait_for_agent_silence(Duration::from_millis(300), Duration::from_secs(5))
}

impl Setup {
    async fn call(&self, to: &str) -> String {
        let body = json!({"agent_id": self.agent, "to": to, "ring_timeout": 5});
        self.app.post("/v1/calls", &self.acct.key, body).await.assert_status(201)["id"].as_str().unwrap().to_owned()
    }

    async fn ended(&self, id: &str) -> Value {
        wait_for_within(&self.app, &self.acct.key, id, 60, |c| c["ended_at"].is_string()).await
    }

    async fn transcript(&self, id: &str) -> Vec<Value> {
        let body = self.app.get(&format!("/v1/calls/{id}/transcript"), &self.acct.key).await.assert_status(200).clone();
        body["turns"].as_array().unwrap().clone()
    }

    async fn event_types(&self, id: &str) -> Vec<Value> {
        let body = self.app.get(&format!("/v1/calls/{id}/events"), &self.acct.key).await.assert_status(200).clone();
        body["data"].as_array().unwrap().clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_outbound_call_talks_over_the_media_stream() {
    let s = setup(1_500).await;
    let script = after_agent(CallerScript::silent()).say(speech().await);
    let script = after_agent(script).hangup();
    s.twilio.script("+14155550123", Outcome::Answer(script));
    let id = s.call("+14155550123").await;
    let call = s.ended(&id).await;
    assert_eq!((call["status"].as_str(), call["end_reason"].as_str()), (Some("completed"), Some("caller_hangup")));

    let placed = s.twilio.wait_for_call("+14155550123", Duration::from_secs(5)).await.unwrap();
    assert_eq!(call["carrier_call_id"].as_str(), Some(placed.sid.as_str()), "Twilio's CallSid is kept");
    assert_eq!(placed.param("From"), Some(OUR_NUMBER));
    assert_eq!(placed.params_named("StatusCallbackEvent"), ["initiated", "ringing", "answered", "completed"]);
    assert_eq!((placed.param("Timeout"), placed.param("TimeLimit")), (Some("5"), Some("600")));
    let twiml = placed.twiml.clone().unwrap();
    assert!(twiml.contains(&format!("/twilio/calls/{id}/stream")), "{twiml}");
    let finished = s.twilio.wait_for_end(&placed.sid, Duration::from_secs(5)).await.unwrap();
    assert!(finished.callbacks.iter().all(|c| c.status == 204), "{:?}", finished.callbacks);

    let turns = s.transcript(&id).await;
    let said: Vec<(&str, &str)> =
        turns.iter().map(|t| (t["speaker"].as_str().unwrap(), t["text"].as_str().unwrap())).collect();
    assert_eq!(said, [("agent", GREETING), ("caller", HEARD), ("agent", REPLY)], "{turns:?}");
    let log = placed.stream.unwrap().log();
    assert!(log.played_audio_ms() >= 2_900, "both utterances played: {} ms", log.played_audio_ms());
    assert!(log.marks_echoed.iter().any(|m| m.name.ends_with(":end") && !m.cleared), "{:?}", log.marks_echoed);
    assert!(call["recording_url"].is_string() || call["media"].is_object(), "{call}");
    let kinds: Vec<_> = s.event_types(&id).await.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect();
    for kind in ["call.initiated", "call.ringing", "call.answered", "call.in_progress", "call.completed"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_outbound_calls_end_with_twilios_reason() {
    let s = setup(1_000).await;
    s.twilio.script("+14155550201", Outcome::Busy);
    s.twilio.script("+14155550202", Outcome::NoAnswer);
    s.twilio.script("+14155550203", Outcome::Failed { error_code: 32009 });
    let refusal = "The 'To' number +14155550204 is not a valid phone number.";
    s.twilio.script("+14155550204", Outcome::Reject { status: 400, code: 21211, message: refusal.into() });
    let ids = [
        s.call("+14155550201").await,
        s.call("+14155550202").await,
        s.call("+14155550203").await,
        s.call("+14155550204").await,
    ];
    let expected =
        [("busy", "busy"), ("no_answer", "no_answer"), ("failed", "carrier_error"), ("failed", "carrier_error")];
    for (id, (status, reason)) in ids.iter().zip(expected) {
        let call = s.ended(id).await;
        assert_eq!((call["status"].as_str(), call["end_reason"].as_str()), (Some(status), Some(reason)), "{call}");
    }
    let failed = s.ended(&ids[2]).await;
    assert!(failed["end_detail"].as_str().unwrap().contains("32009"), "{failed}");
    let refused = s.ended(&ids[3]).await;
    assert!(refused["end_detail"].as_str().unwrap().contains("21211"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_call_through_the_api_completes_it_at_twilio() {
    let s = setup(1_000).await;
    let id = s.call("+14155550123").await;
    wait_for_within(&s.app, &s.acct.key, &id, 10, |c| c["status"] == "in_progress").await;
    s.app.post(&format!("/v1/calls/{id}/end"), &s.acct.key, json!({})).await.assert_status(200);
    let call = s.ended(&id).await;
    assert_eq!(call["end_reason"], "ended_by_api");
    let sid = call["carrier_call_id"].as_str().unwrap().to_owned();
    let at_twilio = s.twilio.wait_for_end(&sid, Duration::from_secs(5)).await.unwrap();
    assert_eq!(at_twilio.status, "completed");
    let update = s.twilio.api_requests().into_iter().find(|r| r.path.ends_with(&format!("/Calls/{sid}.json")));
    assert!(update.is_some_and(|r| r.params.contains(&("Status".to_owned(), "completed".to_owned()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_redirects_the_twilio_call_to_a_dial() {
    let s = setup(1_000).await;
    let id = s.call("+14155550125").await;
    wait_for_within(&s.app, &s.acct.key, &id, 10, |c| c["status"] == "in_progress").await;
    let body = json!({"to": "+14155550999"});
    s.app.post(&format!("/v1/calls/{id}/transfer"), &s.acct.key, body).await.assert_status(202);
    let call = s.ended(&id).await;
    assert_eq!(call["end_reason"], "transferred", "{call}");
    let transfer = &call["transfer"];
    assert_eq!((transfer["status"].as_str(), transfer["method"].as_str()), (Some("transferred"), Some("redirect")));
    assert!(transfer["bridged_at"].is_null(), "Twilio bridges, not agentline: {call}");

    let sid = call["carrier_call_id"].as_str().unwrap().to_owned();
    let at_twilio = s.twilio.wait_for_end(&sid, Duration::from_secs(5)).await.unwrap();
    let [redirect] = at_twilio.redirects.as_slice() else { panic!("one redirect: {:?}", at_twilio.redirects) };
    assert!(redirect.contains("<Number>+14155550999</Number>"), "{redirect}");
    assert!(redirect.contains(&format!("callerId=\"{OUR_NUMBER}\"")), "{redirect}");
    assert_eq!(at_twilio.status, "completed", "the call went on at Twilio, then ended there");
    let kinds: Vec<_> = s.event_types(&id).await.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect();
    assert!(kinds.contains(&"call.transferred".to_owned()), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_transfer_on_twilio_whispers_through_the_dialled_numbers_url() {
    let s = setup(1_000).await;
    let id = s.call("+14155550126").await;
    wait_for_within(&s.app, &s.acct.key, &id, 10, |c| c["status"] == "in_progress").await;
    let whisper = "Ada wants to move her cleaning to Friday & asked for Dr. Lee.";
    let body = json!({"to": "+14155550998", "mode": "warm", "whisper": whisper});
    s.app.post(&format!("/v1/calls/{id}/transfer"), &s.acct.key, body).await.assert_status(202);
    let call = s.ended(&id).await;
    assert_eq!(
        (call["end_reason"].as_str(), call["transfer"]["method"].as_str()),
        (Some("transferred"), Some("redirect"))
    );
    assert_eq!(call["transfer"]["whisper"], whisper);
    let sid = call["carrier_call_id"].as_str().unwrap().to_owned();
    let at_twilio = s.twilio.wait_for_end(&sid, Duration::from_secs(5)).await.unwrap();
    let redirect = &at_twilio.redirects[0];
    assert!(redirect.contains(&format!("url=\"{}\"", s.url(&format!("/twilio/calls/{id}/whisper")))), "{redirect}");
    // Twilio fetched the whisper (signed) and got it as <Say>, escaped.
    let [said] = at_twilio.whispers.as_slice() else { panic!("{:?} {:?}", at_twilio.whispers, at_twilio.notes) };
    assert!(said.contains("<Say>Ada wants to move her cleaning to Friday &amp; asked for Dr. Lee.</Say>"), "{said}");
    // The whisper URL takes only Twilio's signature.
    let forged = s.app.client.post(s.url(&format!("/twilio/calls/{id}/whisper"))).send().await.unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_call_is_answered_by_the_numbers_agent() {
    let s = setup(1_000).await;
    let script = after_agent(CallerScript::silent()).dtmf('5').say(speech().await);
    let script = after_agent(script).hangup();
    let incoming = s.twilio.incoming_call(&s.url("/twilio/voice"), "+14155559876", OUR_NUMBER, script).await;
    assert_eq!(incoming.status, 200, "{}", incoming.body);
    let stream = incoming.stream.clone().expect("the TwiML connects a stream");
    stream.wait_ended(Duration::from_secs(30)).await.expect("the caller hangs up");

    let calls = s.app.get(&format!("/v1/numbers/{}/calls", s.number), &s.acct.key).await.assert_status(200).clone();
    let call = &calls["data"][0];
    assert_eq!((call["direction"].as_str(), call["from"].as_str()), (Some("inbound"), Some("+14155559876")));
    assert_eq!(call["carrier_call_id"].as_str(), Some(incoming.call_sid.as_str()));
    let id = call["id"].as_str().unwrap().to_owned();
    let call = s.ended(&id).await;
    assert_eq!((call["status"].as_str(), call["end_reason"].as_str()), (Some("completed"), Some("caller_hangup")));
    let turns = s.transcript(&id).await;
    let said: Vec<&str> = turns.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(said, [GREETING, HEARD, REPLY], "the agent greets first, then answers");
    let events = s.event_types(&id).await;
    let dtmf = events.iter().find(|e| e["type"] == "call.dtmf").expect("the key press is an event");
    assert!(dtmf.to_string().contains("\"5\""), "{dtmf}");

    // The same webhook again (a retry): the same call's stream, no second call.
    let voice_url = s.url("/twilio/voice");
    let form: Vec<(String, String)> =
        [("AccountSid", SID), ("CallSid", incoming.call_sid.as_str()), ("From", "+14155559876"), ("To", OUR_NUMBER)]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .to_vec();
    let signature = agentline_twilio_peer::sign(TOKEN, &voice_url, &form);
    let (status, twiml) = post_form(&voice_url, &form, Some(signature)).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.contains(&format!("/twilio/calls/{id}/stream")), "{twiml}");
    let calls = s.app.get(&format!("/v1/numbers/{}/calls", s.number), &s.acct.key).await.body;
    assert_eq!(calls["data"].as_array().unwrap().len(), 1);
}

/// Inbound calls count against the account's concurrency limit like outbound ones: when it is
/// full, the caller hears busy and nothing is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_call_beyond_the_concurrency_limit_hears_busy() {
    let s = setup(1_000).await;
    s.app.set_account(&s.acct.account_id, "concurrency_limit", 1).await;
    let busy_line = s.call("+14155550127").await;
    wait_for_within(&s.app, &s.acct.key, &busy_line, 10, |c| c["status"] == "in_progress").await;

    let voice_url = s.url("/twilio/voice");
    let form: Vec<(String, String)> = [
        ("AccountSid", SID),
        ("CallSid", "CA00000000000000000000000000000001"),
        ("From", "+14155559876"),
        ("To", OUR_NUMBER),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    let signature = agentline_twilio_peer::sign(TOKEN, &voice_url, &form);
    let (status, twiml) = post_form(&voice_url, &form, Some(signature.clone())).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.contains(r#"<Reject reason="busy"/>"#), "{twiml}");
    let calls = s.app.get(&format!("/v1/numbers/{}/calls", s.number), &s.acct.key).await.body;
    assert!(calls["data"].as_array().unwrap().iter().all(|c| c["direction"] == "outbound"), "{calls}");

    // A slot frees: the next inbound call is answered.
    s.app.post(&format!("/v1/calls/{busy_line}/end"), &s.acct.key, json!({})).await.assert_status(200);
    s.ended(&busy_line).await;
    let (status, twiml) = post_form(&voice_url, &form, Some(signature)).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.contains("<Stream"), "{twiml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barge_in_clears_twilio_and_truncates_the_turn_to_what_was_heard() {
    let s = setup(4_000).await;
    let script = CallerScript::silent()
        .wait_for_agent_audio(Duration::from_secs(5))
        .silence(Duration::from_millis(1_000))
        .say(speech().await);
    let script = after_agent(script).hangup();
    s.twilio.script("+14155550123", Outcome::Answer(script));
    let id = s.call("+14155550123").await;
    s.ended(&id).await;
    let placed = s.twilio.wait_for_call("+14155550123", Duration::from_secs(5)).await.unwrap();
    let log = placed.stream.unwrap().log();
    let clear = *log.clears.first().expect("barge-in sends clear");
    let speech_started = log.first_agent_audio_at.unwrap() + Duration::from_millis(1_000);
    assert!(clear > speech_started && clear < speech_started + Duration::from_millis(1_500), "clear at {clear:?}");
    // Nothing of the greeting plays after the clear (the reply comes only after the caller's turn).
    let cut = (clear.as_millis() as usize / 20 + 2) * 160;
    let after: Vec<i16> = log.played[cut..(cut + 8_000).min(log.played.len())].to_vec();
    assert!(after.iter().all(|&x| x == 0), "agent audio played after the clear");

    let turns = s.transcript(&id).await;
    let greeting = turns.iter().find(|t| t["speaker"] == "agent").unwrap();
    assert_eq!(greeting["interrupted"], true, "{turns:?}");
    let heard = greeting["text"].as_str().unwrap();
    assert!(GREETING.starts_with(heard) && heard.len() < GREETING.len() && !heard.is_empty(), "heard: {heard:?}");
    // What the transcript keeps matches what the caller heard, by the audio's share of the greeting.
    let greeting_frames = log.played[..cut].chunks(160).filter(|frame| frame.iter().any(|&x| x != 0)).count();
    let played_share = (greeting_frames * 20) as f64 / 4_000.0;
    let kept_share = heard.split_whitespace().count() as f64 / GREETING.split_whitespace().count() as f64;
    assert!((played_share - kept_share).abs() < 0.25, "played {played_share:.2}, kept {kept_share:.2}");
    let events = s.event_types(&id).await;
    assert!(events.iter().any(|e| e["type"] == "call.conversation" && e.to_string().contains("barge_in")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_twilios_signature_are_refused() {
    let s = setup(1_000).await;
    let id = s.call("+14155550123").await;
    wait_for_within(&s.app, &s.acct.key, &id, 10, |c| c["status"] == "in_progress").await;
    let status_url = s.url(&format!("/twilio/calls/{id}/status"));
    let form: Vec<(String, String)> = [("CallSid", "CA1"), ("CallStatus", "completed"), ("AccountSid", SID)]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
    for signature in [
        None,
        Some("bm90IGEgc2lnbmF0dXJl".to_owned()),
        Some(agentline_twilio_peer::sign("wrong-token", &status_url, &form)),
    ] {
        let (status, body) = post_form(&status_url, &form, signature).await;
        assert_eq!(status, 403, "{body}");
    }
    let stream_url = format!("ws://{}/twilio/calls/{id}/stream", s.app.base.trim_start_matches("http://"));
    let refused = connect_stream(&stream_url, Some("bm90IGEgc2lnbmF0dXJl".to_owned()), CallerScript::silent()).await;
    assert_eq!(refused.err().map(|r| r.status), Some(403));
    let forged = s
        .twilio
        .incoming_call_signed_with(
            &s.url("/twilio/voice"),
            "+14155559876",
            OUR_NUMBER,
            CallerScript::silent(),
            Some("bm90".into()),
        )
        .await;
    assert_eq!(forged.status, 403);
    let still = s.app.get(&format!("/v1/calls/{id}"), &s.acct.key).await.body;
    assert_eq!(still["status"], "in_progress", "a forged `completed` changed nothing");
    let calls = s.app.get(&format!("/v1/numbers/{}/calls", s.number), &s.acct.key).await.body;
    assert_eq!(calls["data"].as_array().unwrap().len(), 1, "a forged inbound call made no call");
    let dev = format!("ws://{}/twilio/dev/agents/{}/stream", s.app.base.trim_start_matches("http://"), s.agent);
    let refused = connect_stream(&dev, None, CallerScript::silent()).await;
    assert_eq!(refused.err().map(|r| r.status), Some(404), "development streams are off by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_credentials_are_write_only_and_checked() {
    let s = setup(1_000).await;
    let shown = s.app.get("/v1/carriers/twilio", &s.acct.key).await.assert_status(200).clone();
    assert_eq!(shown["account_sid"], SID);
    assert!(!shown.to_string().contains(TOKEN), "the token is never shown: {shown}");
    assert!(shown["voice_url"].as_str().unwrap().ends_with("/twilio/voice"));
    let put = |body: Value| {
        let app = &s.app;
        let key = s.acct.key.clone();
        async move { app.send(reqwest::Method::PUT, "/v1/carriers/twilio", Some(&key), Some(&body)).await }
    };
    put(json!({"account_sid": "AC123", "auth_token": TOKEN})).await.assert_error(400, "validation_error");
    put(json!({"account_sid": SID, "auth_token": "short"})).await.assert_error(400, "validation_error");
    let other = s.app.account("Other").await;
    s.app.get("/v1/carriers/twilio", &other.key).await.assert_error(404, "not_found");
    s.app.delete("/v1/carriers/twilio", &s.acct.key).await.assert_status(200);
    let id = s.call("+14155550123").await;
    let call = s.ended(&id).await;
    assert_eq!(call["end_reason"], "carrier_error");
    assert!(call["end_detail"].as_str().unwrap().contains("no Twilio credentials"), "{call}");
}

/// A development stream (`dev_streams` on) with malformed messages among the real ones: they are
/// ignored, the call goes on and answers the caller, and an oversized message ends only that call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_development_stream_survives_malformed_messages() {
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app_with(Engine::Sqlite, |c| c.engine.twilio.dev_streams = true).await;
    let acct = app.account("Dev").await;
    let agent = json!({"name": "Dev", "brain": {"type": "stand_in", "reply": REPLY},
        "speech": {"stt": {"type": "stand_in", "transcript": HEARD}, "tts": {"type": "stand_in", "audio_ms": 500}}});
    let agent = app.post("/v1/agents", &acct.key, agent).await.id();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": OUR_NUMBER, "agent_id": agent})).await.assert_status(201);
    let url = format!("ws://{}/twilio/dev/agents/{agent}/stream", app.base.trim_start_matches("http://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let start = json!({"event": "start", "streamSid": "MZ1", "start": {"streamSid": "MZ1", "callSid": "CA1",
        "accountSid": "AC1", "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}});
    ws.send(Message::text(json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}).to_string()))
        .await
        .unwrap();
    ws.send(Message::text(start.to_string())).await.unwrap();
    for garbage in [
        "not json",
        r#"{"event":"media","media":{"payload":"***"}}"#,
        r#"{"event":"party"}"#,
        r#"{"event":"dtmf","dtmf":{"digit":"77"}}"#,
    ] {
        ws.send(Message::text(garbage)).await.unwrap();
    }
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    let frames: Vec<i16> = speech().await;
    let silence = vec![0i16; 8_000 * 2];
    let mut replies = 0;
    let mut next = tokio::time::Instant::now();
    for frame in frames.chunks(160).chain(silence.chunks(160)) {
        let ulaw: Vec<u8> = frame.iter().map(|&s| agentline_media::g711::ulaw_encode(s)).collect();
        let payload = base64_encode(&ulaw);
        ws.send(Message::text(
            json!({"event": "media", "streamSid": "MZ1", "media": {"track": "inbound", "payload": payload}})
                .to_string(),
        ))
        .await
        .unwrap();
        next += Duration::from_millis(20);
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(next, ws.next()).await {
            let text = message.to_text().unwrap_or_default().to_owned();
            replies += usize::from(text.contains("\"media\""));
            // As Twilio does once it has played what came before (here: at once).
            if text.contains("\"mark\"") {
                ws.send(Message::text(text)).await.unwrap();
            }
        }
    }
    assert!(replies >= 20, "the agent answered despite the garbage: {replies} media messages");
    // One message over the 64 KiB limit: the server drops the connection, and the call ends.
    let _ = ws.send(Message::text("x".repeat(100_000))).await;
    let list = app.get("/v1/calls", &acct.test_key).await.assert_status(200).clone();
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    let call = wait_for_within(&app, &acct.test_key, &id, 20, |c| c["ended_at"].is_string()).await;
    assert_eq!((call["direction"].as_str(), call["mode"].as_str()), (Some("inbound"), Some("test")));
    let body = app.get(&format!("/v1/calls/{id}/transcript"), &acct.test_key).await.assert_status(200).clone();
    let said: Vec<&str> = body["turns"].as_array().unwrap().iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(said, [HEARD, REPLY]);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
