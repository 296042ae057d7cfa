//! The LLM brain against a local server streaming OpenAI-style SSE: sentences, timeouts and failures.

mod common;

use agentline_brains::llm::DEFAULT_FALLBACK;
use agentline_brains::{BrainEvent, Message};
use common::openai::{Answer, brain, done, finish, role, says, start, text};
use common::{Step, collect, next, providers, say, send};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

fn transcript() -> Vec<Message> {
    vec![Message::agent("Hi, this is Ada."), Message::caller("Hello, who is this?")]
}

fn degraded(event: &BrainEvent, containing: &str) {
    assert!(matches!(event, BrainEvent::Degraded(what) if what.contains(containing)), "{event:?} lacks {containing:?}");
}

#[tokio::test]
async fn says_each_sentence_before_the_reply_ends() {
    let gate = Arc::new(Notify::new());
    let steps = vec![
        role(),
        text("Hel"),
        text("lo Kai. How"),
        Step::Wait(gate.clone()),
        text(" can I help? Dr. Smith is in at 3.30"),
        text(" today.\nAnything else"),
        finish("stop"),
        done(),
    ];
    let (base_url, server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({"temperature": 0.3, "max_tokens": 200}), &providers(None, None));
    let mut reply = brain.reply(&transcript());
    // The server holds the rest of the reply until this first sentence has arrived.
    assert_eq!(next(&mut reply).await, Some(say("Hello Kai.")));
    gate.notify_one();
    assert_eq!(
        collect(reply).await,
        [say("How can I help?"), say("Dr. Smith is in at 3.30 today."), say("Anything else")]
    );

    let request = server.request(0);
    assert_eq!(request.header("authorization"), None);
    assert!(request.header("content-type").unwrap().starts_with("application/json"));
    let body = request.json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["stream"], true);
    assert_eq!(body["temperature"], json!(0.3));
    assert_eq!(body["max_tokens"], 200);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are Ada, booking dentist appointments."},
            {"role": "assistant", "content": "Hi, this is Ada."},
            {"role": "user", "content": "Hello, who is this?"},
        ])
    );
    let tools: Vec<&str> =
        body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["end_call", "transfer_call", "send_dtmf"]);
    assert_eq!(body["tools"][1]["function"]["parameters"]["required"], json!(["to"]));
}

#[tokio::test]
async fn sends_the_api_key_as_a_bearer_token_and_leaves_out_unset_options() {
    let (base_url, server) = start(vec![Answer::Stream(says("Hi."))]).await;
    let mut brain = brain(&base_url, json!({}), &providers(Some("sk-test-123"), None));
    assert_eq!(collect(brain.reply(&transcript())).await, [say("Hi.")]);
    let request = server.request(0);
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-123"));
    let body = request.json();
    assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none(), "{body}");
}

#[tokio::test]
async fn events_split_anywhere_on_the_wire_with_crlf_and_comments() {
    let mut steps = vec![send(": keep-alive\n\n"), role(), text("Sure thing! It costs 3"), text(".5 dollars. Ok")];
    steps.extend([send(": still here\n\n"), finish("stop"), done()]);
    let (base_url, _server) = start(vec![Answer::Stream(common::rechunk(steps, 7))]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    assert_eq!(
        collect(brain.reply(&transcript())).await,
        [say("Sure thing!"), say("It costs 3.5 dollars."), say("Ok")]
    );
}

#[tokio::test]
async fn done_ends_the_reply_even_if_the_connection_stays_open() {
    let steps = vec![role(), text("All set."), done(), text("Never said."), Step::Sleep(Duration::from_secs(30))];
    let (base_url, _server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    assert_eq!(collect(brain.reply(&transcript())).await, [say("All set.")]);
}

#[tokio::test]
async fn a_finished_stream_without_done_is_complete() {
    let (base_url, _server) = start(vec![Answer::Stream(vec![role(), text("Fine"), finish("stop")])]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    assert_eq!(collect(brain.reply(&transcript())).await, [say("Fine")]);
}

/// No data before the first-token timeout, whether the headers or the body are late: the fallback comes on time.
#[tokio::test]
async fn a_slow_first_token_gets_the_fallback_on_time() {
    let late_body = vec![send(": keep-alive\n\n"), Step::Sleep(Duration::from_secs(5)), text("Too late.")];
    for answer in [Answer::Slow(Duration::from_secs(5)), Answer::Stream(late_body)] {
        let (base_url, _server) = start(vec![answer]).await;
        let mut brain = brain(&base_url, json!({"first_token_timeout_ms": 300}), &providers(None, None));
        let started = Instant::now();
        let events = collect(brain.reply(&transcript())).await;
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(800), "{elapsed:?}");
        assert_eq!(events.len(), 2, "{events:?}");
        degraded(&events[0], "no answer within 300 ms");
        assert_eq!(events[1], say(DEFAULT_FALLBACK));
    }
}

#[tokio::test]
async fn an_http_error_gets_the_configured_fallback() {
    let (base_url, _server) = start(vec![Answer::Status(500)]).await;
    let mut brain = brain(&base_url, json!({"fallback_phrase": "One moment please."}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    assert_eq!(events.len(), 2, "{events:?}");
    degraded(&events[0], "HTTP 500");
    degraded(&events[0], "model overloaded");
    assert_eq!(events[1], say("One moment please."));
}

#[tokio::test]
async fn a_dropped_connection_after_speech_is_reported_without_a_fallback() {
    let steps = vec![role(), text("First sentence. Second"), Step::Sleep(Duration::from_millis(50)), Step::Fail];
    let (base_url, _server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], say("First sentence."));
    degraded(&events[1], "llm brain: the connection broke");
}

#[tokio::test]
async fn a_stream_cut_short_or_garbled_gets_the_fallback() {
    let cases =
        [(vec![role(), text("Half a")], "ended before"), (vec![send("data: {not json\n\n")], "not the expected JSON")];
    for (steps, failure) in cases {
        let (base_url, _server) = start(vec![Answer::Stream(steps)]).await;
        let mut brain = brain(&base_url, json!({}), &providers(None, None));
        let events = collect(brain.reply(&transcript())).await;
        assert_eq!(events.len(), 2, "{events:?}");
        degraded(&events[0], failure);
        assert_eq!(events[1], say(DEFAULT_FALLBACK));
    }
}

#[tokio::test]
async fn an_error_event_in_the_stream_is_reported() {
    let steps = vec![send("data: {\"error\": {\"message\": \"context too long\"}}\n\n")];
    let (base_url, _server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    degraded(&events[0], "context too long");
    assert_eq!(events[1..], [say(DEFAULT_FALLBACK)]);
}

#[tokio::test]
async fn an_unreachable_server_gets_the_fallback() {
    let mut brain = brain(&common::refused_url().await, json!({}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    degraded(&events[0], "request failed");
    assert_eq!(events[1..], [say(DEFAULT_FALLBACK)]);
}

#[tokio::test]
async fn dropping_the_reply_cancels_the_request() {
    let steps = vec![role(), text("One. Two"), Step::Sleep(Duration::from_secs(30)), text(" three.")];
    let (base_url, server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    let mut reply = brain.reply(&transcript());
    assert_eq!(next(&mut reply).await, Some(say("One.")));
    drop(reply);
    tokio::time::timeout(Duration::from_secs(1), server.body_dropped.notified())
        .await
        .expect("the server still streams to nobody");
}
