//! A local model server speaking OpenAI's chat-completions protocol (`POST /v1/chat/completions`,
//! answered whole), scripted per test: each request takes the next reply, and is recorded with
//! its `Authorization` header. A request that does not ask for `response_format: json_schema`,
//! or asks to stream, is answered 400, as a strict server would.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// 200 with a chat completion whose message content is this text.
    Says(String),
    /// This status and raw body.
    Raw(u16, String),
    /// A completion of this text after a pause.
    Slow(Duration, String),
}

impl Reply {
    pub(crate) fn says(content: impl Into<String>) -> Self {
        Self::Says(content.into())
    }

    pub(crate) fn json(answer: &Value) -> Self {
        Self::Says(answer.to_string())
    }
}

/// One request as heard.
#[derive(Clone, Debug)]
pub(crate) struct Heard {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Reply>,
    heard: Vec<Heard>,
}

/// The running server.
#[derive(Clone)]
pub(crate) struct Model {
    inner: Arc<Mutex<Inner>>,
    /// The `base_url` to configure: `http://127.0.0.1:port/v1`.
    pub url: String,
}

/// A whole chat completion, with the usage a server reports.
pub(crate) fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test", "object": "chat.completion", "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    })
}

async fn answer(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let reply = {
        let mut inner = inner.lock().unwrap();
        inner.heard.push(Heard { authorization, body: body.clone() });
        inner.script.pop_front()
    };
    let asks_for_schema = body["response_format"]["type"] == "json_schema"
        && body["response_format"]["json_schema"]["schema"].is_object();
    if !asks_for_schema || body["stream"] != false || !body["messages"].is_array() {
        return (StatusCode::BAD_REQUEST, "the test model wants response_format json_schema, unstreamed")
            .into_response();
    }
    match reply {
        Some(Reply::Says(content)) => Json(completion(&content)).into_response(),
        Some(Reply::Raw(status, body)) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        Some(Reply::Slow(pause, content)) => {
            tokio::time::sleep(pause).await;
            Json(completion(&content)).into_response()
        }
        None => (StatusCode::INTERNAL_SERVER_ERROR, "the test's script is used up").into_response(),
    }
}

impl Model {
    pub(crate) async fn start(script: Vec<Reply>) -> Self {
        let inner = Arc::new(Mutex::new(Inner { script: script.into(), heard: Vec::new() }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(answer))
            .with_state(Arc::clone(&inner));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { inner, url }
    }

    /// Adds replies to the script.
    pub(crate) fn then(&self, replies: Vec<Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    pub(crate) fn heard(&self) -> Vec<Heard> {
        self.inner.lock().unwrap().heard.clone()
    }
}
