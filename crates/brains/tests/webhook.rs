//! The webhook brain against a local server that checks the Standard Webhooks signature.

mod common;

use agentline_brains::webhook::DEFAULT_FALLBACK;
use agentline_brains::{Action, Brain, BrainEvent, Message};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::{Log, Received, collect, providers, record, say};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How the customer's server answers.
type Answering = fn() -> Response;

/// The customer's server: checks the signature when there is a secret, then gives `answer`.
struct Customer {
    log: Log,
    secret: Option<&'static str>,
    answer: Answering,
}

async fn turn(State(customer): State<Arc<Customer>>, headers: HeaderMap, body: Bytes) -> Response {
    let verified = customer.secret.map(|secret| common::verify_signature(secret, &headers, &body));
    record(&customer.log, headers, body);
    match verified {
        Some(Err(e)) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
        _ => (customer.answer)(),
    }
}

/// A webhook brain talking to a customer server that signs with `secret` and answers with `answer`.
async fn brain_answering(
    secret: Option<&'static str>,
    answer: fn() -> Response,
    extra: Value,
) -> (Box<dyn Brain>, Log) {
    let customer = Arc::new(Customer { log: Log::default(), secret, answer });
    let router = axum::Router::new().route("/turn", axum::routing::post(turn)).with_state(customer.clone());
    let url = format!("{}/turn", common::serve(router).await);
    (brain_at(&url, secret, extra), customer.log.clone())
}

fn brain_at(url: &str, secret: Option<&str>, extra: Value) -> Box<dyn Brain> {
    common::brain_from(json!({"type": "webhook", "url": url, "timeout_ms": 300}), extra, &providers(None, secret))
}

fn transcript() -> Vec<Message> {
    vec![
        Message::caller("Hello?"),
        Message::agent("Hi Kai, this is Ada from the dentist."),
        Message::caller("Can I book for Tuesday?"),
    ]
}

fn json_answer(body: Value) -> Response {
    axum::Json(body).into_response()
}

fn first(log: &Log) -> Received {
    log.lock().unwrap()[0].clone()
}

/// Asserts the events are a report containing `failure`, then `fallback`.
fn assert_fell_back(events: &[BrainEvent], failure: &str, fallback: &str) {
    assert_eq!(events.len(), 2, "{events:?}");
    let reported = matches!(&events[0], BrainEvent::Degraded(what) if what.starts_with("webhook brain: ") && what.contains(failure));
    assert!(reported, "{:?} lacks {failure:?}", events[0]);
    assert_eq!(events[1], say(fallback));
}

#[tokio::test]
async fn a_json_answer_is_said_sentence_by_sentence_then_acted_on() {
    let answer = || json_answer(json!({"say": "Sure. Tuesday at 3 p.m. works! Goodbye.", "end_call": true}));
    let (mut brain, log) = brain_answering(Some(SECRET), answer, json!({})).await;
    let events = collect(brain.reply(&transcript())).await;
    let said = [say("Sure."), say("Tuesday at 3 p.m. works!"), say("Goodbye.")];
    assert_eq!(events[..3], said);
    assert_eq!(events[3..], [BrainEvent::Act(Action::EndCall)]);

    let request = first(&log);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.header("webhook-id").unwrap().starts_with("msg_"));
    assert!(request.header("webhook-signature").unwrap().starts_with("v1,"));
    assert_eq!(
        request.json(),
        json!({
            "type": "call.turn",
            "call_id": "call_123",
            "turn": 2,
            "transcript": [
                {"role": "caller", "text": "Hello?"},
                {"role": "agent", "text": "Hi Kai, this is Ada from the dentist."},
                {"role": "caller", "text": "Can I book for Tuesday?"},
            ],
            "variables": {"name": "Kai"},
            "metadata": {"crm_id": 42},
        })
    );
}

#[tokio::test]
async fn actions_come_in_order_dtmf_transfer_end_call() {
    let answer = || json_answer(json!({"end_call": true, "transfer_to": "+14155550100", "dtmf": "1#", "extra": 1}));
    let (mut brain, _log) = brain_answering(Some(SECRET), answer, json!({})).await;
    let actions =
        [Action::SendDtmf { digits: "1#".into() }, Action::Transfer { to: "+14155550100".into() }, Action::EndCall];
    assert_eq!(collect(brain.reply(&transcript())).await, actions.map(BrainEvent::Act));
}

#[tokio::test]
async fn an_empty_answer_says_nothing() {
    let (mut brain, _log) = brain_answering(None, || json_answer(json!({"say": null})), json!({})).await;
    assert_eq!(collect(brain.reply(&transcript())).await, []);
}

#[tokio::test]
async fn a_plain_text_answer_is_said() {
    let answer =
        || ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Tuesday works. See you then!").into_response();
    let (mut brain, log) = brain_answering(None, answer, json!({})).await;
    assert_eq!(collect(brain.reply(&transcript())).await, [say("Tuesday works."), say("See you then!")]);
    assert_eq!(first(&log).header("webhook-signature"), None, "nothing to sign with");
    assert!(first(&log).header("webhook-timestamp").unwrap().parse::<i64>().is_ok());
}

#[tokio::test]
async fn a_slow_server_gets_the_fallback_on_time() {
    fn slow() -> Response {
        let body = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, std::io::Error>(Bytes::from_static(b"{\"say\": \"late\"}"))
        });
        axum::body::Body::from_stream(body).into_response()
    }
    let (mut brain, _log) = brain_answering(Some(SECRET), slow, json!({})).await;
    let started = Instant::now();
    let events = collect(brain.reply(&transcript())).await;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(800), "{elapsed:?}");
    assert_fell_back(&events, "no answer within 300 ms", DEFAULT_FALLBACK);
}

#[tokio::test]
async fn an_error_status_gets_the_configured_fallback() {
    let answer = || (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
    let (mut brain, _log) = brain_answering(Some(SECRET), answer, json!({"fallback_phrase": "Bear with me."})).await;
    assert_fell_back(
        &collect(brain.reply(&transcript())).await,
        "HTTP 500 Internal Server Error: boom",
        "Bear with me.",
    );
}

#[tokio::test]
async fn a_wrong_signature_is_refused_by_the_server() {
    let other_secret = "whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IGtleQ==";
    let customer = Arc::new(Customer { log: Log::default(), secret: Some(SECRET), answer: || json_answer(json!({})) });
    let router = axum::Router::new().route("/turn", axum::routing::post(turn)).with_state(customer);
    let url = format!("{}/turn", common::serve(router).await);
    let mut brain = brain_at(&url, Some(other_secret), json!({}));
    assert_fell_back(&collect(brain.reply(&transcript())).await, "HTTP 401", DEFAULT_FALLBACK);
}

#[tokio::test]
async fn malformed_answers_get_the_fallback() {
    let cases: [(Answering, &str); 4] = [
        (|| ([(header::CONTENT_TYPE, "application/json")], "{\"say\": ").into_response(), "not the expected JSON"),
        (|| json_answer(json!({"say": 42})), "not the expected JSON"),
        (|| json_answer(json!({"transfer_to": "555-0100"})), "transfer_to"),
        (|| json_answer(json!({"say": "Pressing.", "dtmf": "9x"})), "dtmf"),
    ];
    for (answer, failure) in cases {
        let (mut brain, _log) = brain_answering(None, answer, json!({})).await;
        assert_fell_back(&collect(brain.reply(&transcript())).await, failure, DEFAULT_FALLBACK);
    }
}

#[tokio::test]
async fn an_unreachable_server_gets_the_fallback() {
    let mut brain = brain_at(&common::refused_url().await, None, json!({}));
    assert_fell_back(&collect(brain.reply(&transcript())).await, "request failed", DEFAULT_FALLBACK);
}
