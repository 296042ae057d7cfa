//! A stand-in for an OpenAI-compatible chat-completions server, playing scripted streaming answers.

use super::{Log, Received, Step, record, scripted_body, send, serve};
use agentline_brains::{Brain, Providers};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// One scripted answer.
pub(crate) enum Answer {
    /// `200 text/event-stream` with this body.
    Stream(Vec<Step>),
    /// An error status with a JSON body.
    Status(u16),
    /// Headers only after this long.
    Slow(Duration),
}

/// The server's state, for assertions.
pub(crate) struct Server {
    pub log: Log,
    answers: Mutex<VecDeque<Answer>>,
    /// Notified when a streaming body is let go (finished or abandoned by the client).
    pub body_dropped: Arc<Notify>,
}

impl Server {
    pub(crate) fn request(&self, index: usize) -> Received {
        self.log.lock().unwrap()[index].clone()
    }

    pub(crate) fn requests(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// Starts a server playing `answers` in order; returns its base URL (`…/v1/`) and its state.
pub(crate) async fn start(answers: Vec<Answer>) -> (String, Arc<Server>) {
    let server = Arc::new(Server {
        log: Log::default(),
        answers: Mutex::new(answers.into()),
        body_dropped: Arc::new(Notify::new()),
    });
    let router =
        axum::Router::new().route("/v1/chat/completions", axum::routing::post(completions)).with_state(server.clone());
    (format!("{}/v1/", serve(router).await), server)
}

async fn completions(State(server): State<Arc<Server>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&server.log, headers, body);
    let answer = server.answers.lock().unwrap().pop_front();
    match answer {
        Some(Answer::Stream(steps)) => {
            let body = scripted_body(steps, server.body_dropped.clone());
            ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
        }
        Some(Answer::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap();
            (status, axum::Json(json!({"error": {"message": "model overloaded", "type": "server_error"}})))
                .into_response()
        }
        Some(Answer::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        None => (StatusCode::IM_A_TEAPOT, "no answer scripted").into_response(),
    }
}

/// A brain from stored settings: an LLM brain at `base_url` with `extra` settings.
pub(crate) fn brain(base_url: &str, extra: Value, providers: &Providers) -> Box<dyn Brain> {
    super::brain_from(json!({"type": "llm", "base_url": base_url, "model": "test-model"}), extra, providers)
}

fn chunk(delta: Value, finish_reason: Option<&str>) -> Step {
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    });
    send(format!("data: {chunk}\n\n"))
}

/// The usual first chunk: the role, no text.
pub(crate) fn role() -> Step {
    chunk(json!({"role": "assistant", "content": ""}), None)
}

pub(crate) fn text(text: &str) -> Step {
    chunk(json!({"content": text}), None)
}

pub(crate) fn finish(reason: &str) -> Step {
    chunk(json!({}), Some(reason))
}

pub(crate) fn done() -> Step {
    send("data: [DONE]\n\n")
}

/// A fragment of tool call `index`: the first carries the id and name, later ones more of the arguments.
pub(crate) fn tool(index: usize, id_and_name: Option<(&str, &str)>, arguments: &str) -> Step {
    let mut call = json!({"index": index, "function": {"arguments": arguments}});
    if let Some((id, name)) = id_and_name {
        call["id"] = json!(id);
        call["type"] = json!("function");
        call["function"]["name"] = json!(name);
    }
    chunk(json!({"tool_calls": [call]}), None)
}

/// A whole tool call in three fragments, then `finish_reason: tool_calls` and `[DONE]`.
pub(crate) fn calls_tool(id: &str, name: &str, arguments: &str) -> Vec<Step> {
    let (head, tail) = arguments.split_at(arguments.len() / 2);
    vec![role(), tool(0, Some((id, name)), ""), tool(0, None, head), tool(0, None, tail), finish("tool_calls"), done()]
}

/// Plain text in one chunk, then `stop` and `[DONE]`.
pub(crate) fn says(words: &str) -> Vec<Step> {
    vec![role(), text(words), finish("stop"), done()]
}
