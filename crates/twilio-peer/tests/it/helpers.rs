//! Small servers playing agentline's part: an HTTP receiver for webhooks and callbacks, and a
//! Media Streams WebSocket server with scripted behaviour.

use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_twilio_peer::{form_encode, sign};
use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

pub(crate) const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub(crate) const TOKEN: &str = "test-auth-token";

pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Waits up to `timeout` for `ready` to hold.
pub(crate) async fn eventually(timeout: Duration, ready: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !ready() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// A 440 Hz tone, 8 kHz PCM.
pub(crate) fn tone(duration: Duration) -> Vec<i16> {
    let samples = duration.as_millis() as usize * 8;
    (0..samples).map(|n| ((n as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16).collect()
}

/// A form POST with HTTP Basic auth, as agentline's Twilio client sends it.
pub(crate) async fn api_post(url: &str, user: &str, password: &str, params: &[(String, String)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .basic_auth(user, Some(password))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form_encode(params))
        .send()
        .await
        .expect("the stand-in answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) fn calls_url(base: &str) -> String {
    format!("{base}/2010-04-01/Accounts/{ACCOUNT}/Calls.json")
}

pub(crate) fn call_url(base: &str, sid: &str) -> String {
    format!("{base}/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json")
}

pub(crate) fn stream_twiml(url: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="{url}"><Parameter name="call_id" value="call_1"/></Stream></Connect></Response>"#
    )
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) path: String,
    pub(crate) params: Vec<(String, String)>,
    /// Whether `X-Twilio-Signature` was right for the URL and parameters.
    pub(crate) signed: bool,
}

/// An HTTP server taking webhooks and callbacks; `/voice…` answers with `twiml` when signed.
pub(crate) struct Receiver {
    pub(crate) base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

#[derive(Clone)]
struct ReceiverState {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    twiml: String,
}

impl Receiver {
    pub(crate) async fn start(twiml: &str) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let state = ReceiverState { base: base.clone(), hits: Arc::clone(&hits), twiml: twiml.to_owned() };
        let app = Router::new().fallback(receive).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Receiver { base, hits }
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        lock(&self.hits).clone()
    }
}

async fn receive(
    State(state): State<ReceiverState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params: Vec<(String, String)> = form_pairs(&body);
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), ToString::to_string);
    let url = format!("{}{path}", state.base);
    let given = headers.get("X-Twilio-Signature").and_then(|v| v.to_str().ok());
    let signed = given == Some(sign(TOKEN, &url, &params).as_str());
    lock(&state.hits).push(Hit { path: path.clone(), params, signed });
    match (path.starts_with("/voice"), signed) {
        (true, true) => ([("Content-Type", "text/xml")], state.twiml).into_response(),
        (true, false) => StatusCode::FORBIDDEN.into_response(),
        (false, _) => StatusCode::NO_CONTENT.into_response(),
    }
}

/// Decodes a form body (the test side's own, independent of the stand-in's encoder).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the Media Streams server does once the stream starts.
#[derive(Clone, Debug)]
pub(crate) enum Behaviour {
    /// Listens.
    Passive,
    /// Sends `audio` of tone at once in 20 ms `media` messages, then a mark `m1`, then a
    /// `clear` after `clear_after` if given.
    Speak { audio: Duration, clear_after: Option<Duration> },
    /// Closes the socket this long after `start`.
    CloseAfter(Duration),
    /// Sends these texts (`{sid}` replaced by the stream's sid), one after another.
    SendRaw(Vec<String>),
}

/// What the Media Streams server saw.
#[derive(Debug, Default)]
pub(crate) struct ServerLog {
    pub(crate) upgrade_signature: Option<String>,
    pub(crate) messages: Vec<(Instant, Value)>,
    /// Caller audio, decoded from every `media` payload in order.
    pub(crate) caller_audio: Vec<i16>,
    pub(crate) mark_sent_at: Option<Instant>,
    pub(crate) clear_sent_at: Option<Instant>,
}

impl ServerLog {
    pub(crate) fn events(&self) -> Vec<&str> {
        self.messages.iter().filter_map(|(_, m)| m["event"].as_str()).collect()
    }

    pub(crate) fn first(&self, event: &str) -> Option<&(Instant, Value)> {
        self.messages.iter().find(|(_, m)| m["event"] == event)
    }
}

pub(crate) struct WsServer {
    pub(crate) url: String,
    pub(crate) log: Arc<Mutex<ServerLog>>,
}

#[derive(Clone)]
struct WsState {
    base: String,
    behaviour: Behaviour,
    log: Arc<Mutex<ServerLog>>,
    /// Refuse upgrades not signed with this token.
    require_token: Option<String>,
}

impl WsServer {
    pub(crate) async fn start(behaviour: Behaviour, require_token: Option<&str>) -> WsServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("ws://{}", listener.local_addr().expect("address"));
        let log = Arc::new(Mutex::new(ServerLog::default()));
        let state = WsState {
            base: base.clone(),
            behaviour,
            log: Arc::clone(&log),
            require_token: require_token.map(str::to_owned),
        };
        let app = Router::new().fallback(upgrade).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        WsServer { url: format!("{base}/stream?call=1"), log }
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, ServerLog> {
        lock(&self.log)
    }
}

async fn upgrade(
    State(state): State<WsState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let given = headers.get("X-Twilio-Signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(token) = &state.require_token {
        let url = format!("{}{}", state.base, uri.path_and_query().map_or("", |pq| pq.as_str()));
        if given.as_deref() != Some(sign(token, &url, &[]).as_str()) {
            return (StatusCode::FORBIDDEN, "bad signature").into_response();
        }
    }
    lock(&state.log).upgrade_signature = given;
    ws.on_upgrade(move |socket| serve(socket, state))
}

async fn serve(socket: WebSocket, state: WsState) {
    let (mut sink, mut source) = socket.split();
    let (outgoing, mut queue) = mpsc::unbounded_channel::<Message>();
    tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            let close = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || close {
                break;
            }
        }
    });
    while let Some(Ok(Message::Text(text))) = source.next().await {
        let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else { continue };
        record(&state.log, &value);
        if value["event"] == "start" {
            let sid = value["streamSid"].as_str().unwrap_or_default().to_owned();
            tokio::spawn(act(state.behaviour.clone(), sid, outgoing.clone(), Arc::clone(&state.log)));
        }
    }
}

fn record(log: &Mutex<ServerLog>, value: &Value) {
    let mut log = lock(log);
    if value["event"] == "media" {
        let payload = value["media"]["payload"].as_str().unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD.decode(payload).unwrap_or_default();
        log.caller_audio.extend(bytes.iter().map(|&b| ulaw_decode(b)));
    }
    log.messages.push((Instant::now(), value.clone()));
}

async fn act(behaviour: Behaviour, sid: String, out: mpsc::UnboundedSender<Message>, log: Arc<Mutex<ServerLog>>) {
    let text = |value: Value| Message::Text(value.to_string().into());
    match behaviour {
        Behaviour::Passive => {}
        Behaviour::CloseAfter(after) => {
            tokio::time::sleep(after).await;
            let _ = out.send(Message::Close(None));
        }
        Behaviour::SendRaw(texts) => {
            for raw in texts {
                let _ = out.send(Message::Text(raw.replace("{sid}", &sid).into()));
            }
        }
        Behaviour::Speak { audio, clear_after } => {
            let ulaw: Vec<u8> = tone(audio).iter().map(|&s| ulaw_encode(s)).collect();
            for chunk in ulaw.chunks(160) {
                let payload = base64::engine::general_purpose::STANDARD.encode(chunk);
                let _ = out.send(text(json!({"event": "media", "streamSid": sid, "media": {"payload": payload}})));
            }
            let _ = out.send(text(json!({"event": "mark", "streamSid": sid, "mark": {"name": "m1"}})));
            lock(&log).mark_sent_at = Some(Instant::now());
            if let Some(after) = clear_after {
                tokio::time::sleep(after).await;
                let _ = out.send(text(json!({"event": "clear", "streamSid": sid})));
                lock(&log).clear_sent_at = Some(Instant::now());
            }
        }
    }
}
