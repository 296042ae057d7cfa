//! `Deepgram` against a stand-in live-transcription WebSocket server.

use crate::support::{bounded, serve, sine};
use agentline_domain::SecretString;
use agentline_speech::{Deepgram, SpeechError, SpeechToText, SttStream};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the stand-in server behaves once upgraded.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    /// Like Deepgram: an interim result at once, final results after CloseStream, then close.
    Transcribe,
    /// Drops the connection right after the upgrade.
    Hangup,
    /// Reads audio forever and never answers CloseStream.
    Ignore,
    /// Reports an error message.
    Fail,
}

/// What the server received.
#[derive(Default)]
struct Seen {
    query: HashMap<String, String>,
    audio_bytes: usize,
}

#[derive(Clone)]
struct Server {
    script: Script,
    seen: Arc<Mutex<Seen>>,
}

async fn listen(
    State(server): State<Server>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if headers.get("authorization").and_then(|value| value.to_str().ok()) != Some("Token k") {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    server.seen.lock().unwrap().query = query;
    upgrade.on_upgrade(move |socket| run(socket, server)).into_response()
}

fn results(is_final: bool, transcript: &str) -> Message {
    let message = serde_json::json!({
        "type": "Results", "channel_index": [0, 1], "duration": 1.2, "start": 0.0,
        "is_final": is_final, "speech_final": is_final,
        "channel": { "alternatives": [{ "transcript": transcript, "confidence": 0.98, "words": [] }] },
        "metadata": { "request_id": "r", "model_info": { "name": "nova-2" } }
    });
    Message::Text(message.to_string().into())
}

async fn run(mut socket: WebSocket, server: Server) {
    match server.script {
        Script::Hangup => return,
        Script::Fail => {
            let error = r#"{"type":"Error","description":"bad audio format","message":"","variant":"x"}"#;
            let _ = socket.send(Message::Text(error.into())).await;
        }
        Script::Transcribe => {
            let _ = socket.send(results(false, "hello th")).await;
            let _ = socket.send(Message::Text(r#"{"type":"SpeechStarted","timestamp":0.2}"#.into())).await;
        }
        Script::Ignore => {}
    }
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            Message::Binary(bytes) => server.seen.lock().unwrap().audio_bytes += bytes.len(),
            Message::Text(text)
                if text.as_str() == r#"{"type":"CloseStream"}"# && server.script == Script::Transcribe =>
            {
                for reply in [results(true, "hello there"), results(true, ""), results(true, "how are you")] {
                    let _ = socket.send(reply).await;
                }
                let _ = socket.send(Message::Text(r#"{"type":"Metadata","request_id":"r"}"#.into())).await;
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 1000, reason: "".into() }))).await;
            }
            _ => {}
        }
    }
}

/// A server playing `script`; returns a client for it (key `k`) and what the server saw.
async fn server(script: Script, timeout: Duration) -> (Deepgram, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let router = Router::new().route("/v1/listen", get(listen)).with_state(Server { script, seen: seen.clone() });
    let base = serve(router).await;
    let deepgram = Deepgram {
        url: format!("ws{}/v1/listen", base.strip_prefix("http").unwrap()),
        api_key: Some(SecretString::new("k")),
        language: Some("en-US".into()),
        timeout,
        ..Deepgram::default()
    };
    (deepgram, seen)
}

/// Pushes `frames` 20 ms frames, stopping at the first error.
async fn push_frames(stream: &mut Box<dyn SttStream>, frames: usize) -> Result<(), SpeechError> {
    for frame in sine(300.0, 8000, frames * 160).chunks(160) {
        stream.push(frame).await?;
    }
    Ok(())
}

#[tokio::test]
async fn final_results_are_joined_after_close_stream() {
    let (deepgram, seen) = server(Script::Transcribe, Duration::from_millis(1500)).await;
    let text = bounded(async {
        let mut stream = deepgram.open().await.unwrap();
        push_frames(&mut stream, 25).await.unwrap();
        stream.finish().await
    })
    .await;
    assert_eq!(text.unwrap(), "hello there how are you");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.audio_bytes, 25 * 160 * 2, "every sample, as 16-bit");
    let expected = [
        ("encoding", "linear16"),
        ("sample_rate", "8000"),
        ("channels", "1"),
        ("model", "nova-2"),
        ("punctuate", "true"),
        ("interim_results", "false"),
        ("smart_format", "true"),
        ("language", "en-US"),
    ];
    let expected: HashMap<String, String> = expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(seen.query, expected);
}

#[tokio::test]
async fn a_refused_key_is_an_http_error() {
    let (deepgram, _) = server(Script::Transcribe, Duration::from_millis(1500)).await;
    let deepgram = Deepgram { api_key: None, ..deepgram };
    let error = bounded(deepgram.open()).await.err().expect("connected without a key");
    assert_eq!(error, SpeechError::Http { provider: "deepgram", status: 401, body: "bad key".into() });
}

#[tokio::test]
async fn a_hangup_after_the_upgrade_is_a_protocol_error() {
    let (deepgram, _) = server(Script::Hangup, Duration::from_millis(1500)).await;
    let (pushed, finished) = bounded(async {
        let mut stream = deepgram.open().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        (push_frames(&mut stream, 25).await, stream.finish().await)
    })
    .await;
    assert!(matches!(pushed, Ok(()) | Err(SpeechError::Protocol { .. })), "{pushed:?}");
    assert!(matches!(finished, Err(SpeechError::Protocol { .. })), "{finished:?}");
}

#[tokio::test]
async fn an_unanswered_close_stream_times_out() {
    let (deepgram, _) = server(Script::Ignore, Duration::from_millis(300)).await;
    let mut stream = bounded(deepgram.open()).await.unwrap();
    bounded(push_frames(&mut stream, 5)).await.unwrap();
    let started = Instant::now();
    let error = bounded(stream.finish()).await.unwrap_err();
    assert!(matches!(error, SpeechError::Timeout { provider: "deepgram", .. }), "{error:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(1), "waited {waited:?}");
}

#[tokio::test]
async fn an_error_message_is_a_protocol_error() {
    let (deepgram, _) = server(Script::Fail, Duration::from_millis(1500)).await;
    let error = bounded(async {
        let mut stream = deepgram.open().await.unwrap();
        let _ = push_frames(&mut stream, 5).await;
        stream.finish().await
    })
    .await
    .unwrap_err();
    assert!(matches!(&error, SpeechError::Protocol { detail, .. } if detail.contains("bad audio format")), "{error:?}");
}
