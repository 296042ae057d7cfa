//! A webhook receiver on loopback: records every request and answers with scripted statuses.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub(crate) fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answers to give, in order; 200 once used up. A second value is a Retry-After.
    script: VecDeque<(u16, Option<u64>)>,
}

#[derive(Clone)]
pub(crate) struct Receiver {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

async fn record(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.received.push(Received { headers, body });
    let (status, retry_after) = inner.script.pop_front().unwrap_or((200, None));
    let mut response = (StatusCode::from_u16(status).unwrap(), "ok from the test receiver").into_response();
    if let Some(secs) = retry_after {
        response.headers_mut().insert("retry-after", secs.into());
    }
    response
}

impl Receiver {
    /// Starts a receiver on a free port (or on `port`).
    pub(crate) async fn start_on(port: u16) -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/hook", axum::routing::post(record)).with_state(Arc::clone(&inner));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { inner, url: format!("http://127.0.0.1:{port}/hook") }
    }

    pub(crate) async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Answers the next requests with these statuses (and Retry-After values).
    pub(crate) fn script(&self, answers: &[(u16, Option<u64>)]) {
        self.inner.lock().unwrap().script.extend(answers.iter().copied());
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits until `done` holds for what was received (at most 15 s).
    pub(crate) async fn wait_until(&self, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the receiver never got there: {} requests",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A port with nothing listening on it (until a receiver is started there).
pub(crate) fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
