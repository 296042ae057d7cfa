//! Local stand-in servers and helpers shared by the integration tests.
#![allow(dead_code)]

pub(crate) mod openai;

use agentline_brains::{Brain, BrainEvent, BrainStream, CallContext, Providers};
use agentline_domain::SecretString;
use axum::body::{Body, Bytes};
use futures_util::StreamExt as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Serves `router` on an ephemeral local port; returns its base URL.
pub(crate) async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

/// A URL nothing listens on.
pub(crate) async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/")
}

pub(crate) fn providers(llm_api_key: Option<&str>, webhook_secret: Option<&str>) -> Providers {
    // Already installed by another test in this process is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Providers {
        llm_api_key: llm_api_key.map(SecretString::new),
        webhook_secret: webhook_secret.map(SecretString::new),
        http: reqwest::Client::new(),
    }
}

pub(crate) fn context() -> CallContext {
    let object = |v: serde_json::Value| v.as_object().unwrap().clone();
    CallContext {
        call_id: "call_123".into(),
        instructions: "You are Ada, booking dentist appointments.".into(),
        variables: object(serde_json::json!({"name": "Kai"})),
        metadata: object(serde_json::json!({"crm_id": 42})),
    }
}

/// The next event, failing the test if none comes within two seconds.
pub(crate) async fn next(stream: &mut BrainStream) -> Option<BrainEvent> {
    tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("no brain event within 2 s")
}

/// Every event until the stream ends.
pub(crate) async fn collect(mut stream: BrainStream) -> Vec<BrainEvent> {
    let mut events = Vec::new();
    while let Some(event) = next(&mut stream).await {
        events.push(event);
    }
    events
}

pub(crate) fn say(text: &str) -> BrainEvent {
    BrainEvent::Say(text.into())
}

/// One step of a scripted streaming response body.
#[derive(Clone)]
pub(crate) enum Step {
    /// Raw bytes on the wire.
    Send(Bytes),
    Sleep(Duration),
    /// Waits until the test notifies.
    Wait(Arc<Notify>),
    /// Breaks the connection.
    Fail,
}

pub(crate) fn send(text: impl Into<String>) -> Step {
    Step::Send(Bytes::from(text.into()))
}

/// The same bytes on the wire, in pieces of `size` bytes and with CRLF line ends.
pub(crate) fn rechunk(steps: Vec<Step>, size: usize) -> Vec<Step> {
    let mut wire = Vec::new();
    for step in steps {
        match step {
            Step::Send(bytes) => wire.extend_from_slice(&bytes),
            other => panic!("rechunk takes only Send steps, not {:?}", std::mem::discriminant(&other)),
        }
    }
    let text = String::from_utf8(wire).unwrap().replace('\n', "\r\n");
    text.into_bytes().chunks(size).map(|c| Step::Send(Bytes::copy_from_slice(c))).collect()
}

/// A streaming body that plays `steps`, then ends (or stays open with a final `Sleep`). `dropped` is notified
/// when the server lets go of the body, as it does when the client goes away.
pub(crate) fn scripted_body(steps: Vec<Step>, dropped: Arc<Notify>) -> Body {
    struct Guard(Arc<Notify>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.notify_one();
        }
    }
    let state = (steps.into_iter(), Guard(dropped));
    let stream = futures_util::stream::unfold(state, |(mut steps, guard)| async move {
        loop {
            match steps.next()? {
                Step::Send(bytes) => return Some((Ok(bytes), (steps, guard))),
                Step::Sleep(duration) => tokio::time::sleep(duration).await,
                Step::Wait(notify) => notify.notified().await,
                Step::Fail => return Some((Err(std::io::Error::other("connection dropped")), (steps, guard))),
            }
        }
    });
    Body::from_stream(stream)
}

/// Checks a request's Standard Webhooks headers and signature as a receiver would.
pub(crate) fn verify_signature(
    secret: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<(), agentline_domain::webhook::VerifyError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    agentline_domain::webhook::verify(secret, id, timestamp, signature, body, now)
}

/// A brain from stored settings: `settings` with `extra` fields added, validated, built for [`context`].
pub(crate) fn brain_from(
    mut settings: serde_json::Value,
    extra: serde_json::Value,
    providers: &Providers,
) -> Box<dyn Brain> {
    settings.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let settings: agentline_domain::brain::Brain = serde_json::from_value(settings).unwrap();
    settings.validate().unwrap();
    agentline_brains::build(&settings, context(), providers)
}

/// What a stand-in server was sent.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub headers: axum::http::HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// Requests recorded by a stand-in server.
pub(crate) type Log = Arc<Mutex<Vec<Received>>>;

pub(crate) fn record(log: &Log, headers: axum::http::HeaderMap, body: Bytes) -> usize {
    let mut log = log.lock().unwrap();
    log.push(Received { headers, body });
    log.len() - 1
}
