//! The LLM brain's tool calls, streamed in fragments: built-ins become actions, HTTP tools reach a local server
//! and their answers go back to the model.

mod common;

use agentline_brains::llm::{DEFAULT_FALLBACK, MAX_TOOL_ROUNDS};
use agentline_brains::{Action, BrainEvent, Message};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::openai::{Answer, brain, calls_tool, done, finish, role, says, start, text, tool};
use common::{Log, collect, providers, record, say};
use serde_json::{Value, json};
use std::time::Duration;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn transcript() -> Vec<Message> {
    vec![Message::caller("Where is my order A1?")]
}

/// A tool server: `/orders` answers, `/broken` fails, `/slow` is late. Every request must carry a valid
/// Standard Webhooks signature.
async fn tool_server() -> (String, Log) {
    async fn handle(
        State(log): State<Log>,
        path: axum::extract::Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        let verified = common::verify_signature(SECRET, &headers, &body);
        record(&log, headers, body);
        match (verified, path.as_str()) {
            (Err(e), _) => (StatusCode::UNAUTHORIZED, e.to_string()),
            (Ok(()), "orders") => (StatusCode::OK, "Order A1 ships on Friday.".to_owned()),
            (Ok(()), "slow") => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                (StatusCode::OK, "late".to_owned())
            }
            (Ok(()), _) => (StatusCode::INTERNAL_SERVER_ERROR, "database down".to_owned()),
        }
    }
    let log = Log::default();
    let router = axum::Router::new().route("/{path}", axum::routing::post(handle)).with_state(log.clone());
    (common::serve(router).await, log)
}

fn http_tool(name: &str, url: String) -> Value {
    json!({
        "name": name,
        "description": "Looks up an order by its id",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        "url": url,
        "timeout_ms": 300,
    })
}

fn messages(request: &common::Received) -> Vec<Value> {
    request.json()["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn end_call_streamed_in_fragments_ends_the_call_after_the_text() {
    let steps = vec![
        role(),
        text("Thanks for calling. Good"),
        tool(0, Some(("call_9", "end_call")), ""),
        text("bye!"),
        tool(0, None, "{"),
        tool(0, None, "}"),
        finish("tool_calls"),
        done(),
    ];
    let (base_url, server) = start(vec![Answer::Stream(common::rechunk(steps, 11))]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    assert_eq!(events, [say("Thanks for calling."), say("Goodbye!"), BrainEvent::Act(Action::EndCall)]);
    assert_eq!(server.requests(), 1, "nothing is asked after end_call");
}

#[tokio::test]
async fn transfer_call_becomes_a_transfer() {
    let steps = calls_tool("call_1", "transfer_call", r#"{"to": "+14155550100"}"#);
    let (base_url, server) = start(vec![Answer::Stream(steps)]).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    let events = collect(brain.reply(&transcript())).await;
    assert_eq!(events, [BrainEvent::Act(Action::Transfer { to: "+14155550100".into() })]);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn bad_builtin_arguments_go_back_to_the_model_as_an_error() {
    let answers = [calls_tool("call_1", "send_dtmf", r#"{"digits": "12x"}"#), says("Sorry, which option?")];
    let (base_url, server) = start(answers.into_iter().map(Answer::Stream).collect()).await;
    let mut brain = brain(&base_url, json!({}), &providers(None, None));
    assert_eq!(collect(brain.reply(&transcript())).await, [say("Sorry, which option?")]);
    let sent = messages(&server.request(1));
    assert_eq!(sent[sent.len() - 2]["tool_calls"][0]["function"]["name"], "send_dtmf");
    assert_eq!(sent[sent.len() - 1]["tool_call_id"], "call_1");
    assert!(sent[sent.len() - 1]["content"].as_str().unwrap().starts_with("error: `12X` is not"));
}

#[tokio::test]
async fn an_http_tool_answer_goes_back_to_the_model() {
    let (tools_url, tool_log) = tool_server().await;
    let mut first = vec![role(), text("Let me check.")];
    first.extend(calls_tool("call_7", "lookup_order", r#"{"order_id": "A1"}"#).into_iter().skip(1));
    let answers = [first, says("It ships on Friday.")];
    let (base_url, server) = start(answers.into_iter().map(Answer::Stream).collect()).await;
    let tools = json!({"tools": [http_tool("lookup_order", format!("{tools_url}/orders"))]});
    let mut brain = brain(&base_url, tools, &providers(None, Some(SECRET)));

    let events = collect(brain.reply(&transcript())).await;
    let called = BrainEvent::ToolCalled { name: "lookup_order".into(), ok: true, detail: "HTTP 200".into() };
    assert_eq!(events, [say("Let me check."), called, say("It ships on Friday.")]);

    let tool_request = tool_log.lock().unwrap()[0].clone();
    assert_eq!(tool_request.json(), json!({"order_id": "A1"}));
    assert_eq!(tool_request.header("content-type"), Some("application/json"));
    assert_eq!(tool_request.header("agentline-call-id"), Some("call_123"));

    let offered = &server.request(0).json()["tools"][3]["function"];
    assert_eq!(offered["name"], "lookup_order");
    assert_eq!(offered["parameters"]["required"], json!(["order_id"]));
    let sent = messages(&server.request(1));
    assert_eq!(sent[..2], messages(&server.request(0))[..], "the conversation so far comes first");
    assert_eq!(
        sent[2..],
        [
            json!({"role": "assistant", "content": "Let me check.", "tool_calls": [{"id": "call_7", "type": "function",
                "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"A1\"}"}}]}),
            json!({"role": "tool", "tool_call_id": "call_7", "content": "Order A1 ships on Friday."}),
        ]
    );
}

#[tokio::test]
async fn failing_and_slow_http_tools_are_reported_and_the_model_told() {
    let (tools_url, _log) = tool_server().await;
    let first = vec![
        role(),
        tool(0, Some(("call_a", "broken")), r#"{"order_"#),
        tool(1, Some(("call_b", "slow")), r#"{"order_id""#),
        tool(0, None, r#"id": "A1"}"#),
        tool(1, None, r#": "B2"}"#),
        finish("tool_calls"),
        done(),
    ];
    let (base_url, server) =
        start(vec![Answer::Stream(first), Answer::Stream(says("Sorry, I can't check now."))]).await;
    let tools = [http_tool("broken", format!("{tools_url}/broken")), http_tool("slow", format!("{tools_url}/slow"))];
    let mut brain = brain(&base_url, json!({ "tools": tools }), &providers(None, Some(SECRET)));

    let events = collect(brain.reply(&transcript())).await;
    let failed =
        |name: &str, detail: &str| BrainEvent::ToolCalled { name: name.into(), ok: false, detail: detail.into() };
    assert_eq!(
        events,
        [failed("broken", "HTTP 500"), failed("slow", "no answer within 300 ms"), say("Sorry, I can't check now.")]
    );
    let sent = messages(&server.request(1));
    let results: Vec<(&str, &str)> = sent[sent.len() - 2..]
        .iter()
        .map(|m| (m["tool_call_id"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [("call_a", "error: the tool answered HTTP 500: database down"), ("call_b", "error: no answer within 300 ms")]
    );
    assert_eq!(sent[sent.len() - 3]["tool_calls"][1]["function"]["arguments"], r#"{"order_id": "B2"}"#);
}

#[tokio::test]
async fn tool_rounds_are_limited() {
    let (tools_url, tool_log) = tool_server().await;
    let answers = (0..=MAX_TOOL_ROUNDS).map(|i| Answer::Stream(calls_tool(&format!("call_{i}"), "lookup_order", "{}")));
    let (base_url, server) = start(answers.collect()).await;
    let tools = json!({"tools": [http_tool("lookup_order", format!("{tools_url}/orders"))]});
    let mut brain = brain(&base_url, tools, &providers(None, Some(SECRET)));
    let events = collect(brain.reply(&transcript())).await;
    assert_eq!(server.requests(), MAX_TOOL_ROUNDS + 1);
    assert_eq!(tool_log.lock().unwrap().len(), MAX_TOOL_ROUNDS);
    assert_eq!(events.len(), MAX_TOOL_ROUNDS + 2, "{events:?}");
    assert!(matches!(&events[MAX_TOOL_ROUNDS], BrainEvent::Degraded(what) if what.contains("still called tools")));
    assert_eq!(events[MAX_TOOL_ROUNDS + 1], say(DEFAULT_FALLBACK));
}
