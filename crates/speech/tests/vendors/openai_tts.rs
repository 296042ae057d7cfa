//! `OpenAiSpeech` against a stand-in `/v1/audio/speech` streaming 24 kHz PCM.

use crate::support::{Step, assert_near, bounded, collect, le_bytes, scripted_body, serve, sine, zero_crossings};
use agentline_domain::SecretString;
use agentline_speech::{OpenAiSpeech, SpeechError, TextToSpeech};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// 0.6 s of a 440 Hz tone at OpenAI's 24 kHz.
const INPUT_SAMPLES: usize = 14_400;

/// The request the server received: Authorization and JSON body.
type Seen = Arc<Mutex<Option<(Option<String>, Value)>>>;

#[derive(Clone)]
struct Server {
    seen: Seen,
    /// The body script; the first chunk is 200 ms of audio.
    steps: fn(Vec<u8>, Arc<Notify>) -> Vec<Step>,
    go: Arc<Notify>,
}

async fn speech(State(server): State<Server>, headers: HeaderMap, Json(body): Json<Value>) -> Body {
    let authorization = headers.get("authorization").map(|value| value.to_str().unwrap().to_owned());
    *server.seen.lock().unwrap() = Some((authorization, body));
    let pcm = le_bytes(&sine(440.0, 24000, INPUT_SAMPLES));
    scripted_body((server.steps)(pcm, server.go.clone()))
}

/// Holds back the rest after the first chunk until the test has played it, then sends an odd
/// number of bytes (splitting a sample) and the remainder.
fn gated(pcm: Vec<u8>, go: Arc<Notify>) -> Vec<Step> {
    let (first, rest) = pcm.split_at(9600);
    let (odd, last) = rest.split_at(4801);
    vec![
        Step::Send(first.to_vec()),
        Step::WaitFor(go),
        Step::Send(odd.to_vec()),
        Step::Sleep(Duration::from_millis(20)),
        Step::Send(last.to_vec()),
    ]
}

fn broken(pcm: Vec<u8>, _: Arc<Notify>) -> Vec<Step> {
    vec![Step::Send(pcm[..9600].to_vec()), Step::Sleep(Duration::from_millis(20)), Step::Fail]
}

async fn server(steps: fn(Vec<u8>, Arc<Notify>) -> Vec<Step>) -> (OpenAiSpeech, Seen, Arc<Notify>) {
    let (seen, go) = (Seen::default(), Arc::new(Notify::new()));
    let state = Server { seen: seen.clone(), steps, go: go.clone() };
    let base = serve(Router::new().route("/v1/audio/speech", post(speech)).with_state(state)).await;
    (client(base), seen, go)
}

fn client(base: String) -> OpenAiSpeech {
    OpenAiSpeech {
        base_url: format!("{base}/v1"),
        api_key: Some(SecretString::new("sk-tts")),
        timeout: Duration::from_millis(1500),
        ..OpenAiSpeech::default()
    }
}

#[tokio::test]
async fn audio_streams_at_8k_chunk_by_chunk() {
    let (tts, seen, go) = server(gated).await;
    let chunks = bounded(async {
        let mut stream = tts.synthesize("Hello there.").await.unwrap();
        // The server holds the rest back until this chunk is here: a client that buffered the
        // whole response would hang.
        let first = stream.next().await.unwrap().unwrap();
        go.notify_one();
        let mut chunks = vec![first];
        chunks.extend(collect(stream).await.unwrap());
        chunks
    })
    .await;
    assert!(chunks.len() > 1 && chunks.iter().all(|chunk| !chunk.is_empty()), "{} chunks", chunks.len());
    let audio = chunks.concat();
    assert_near(audio.len(), INPUT_SAMPLES / 3, 2.0);
    assert_near(zero_crossings(&audio), 528, 3.0); // 440 Hz for 0.6 s
    let (authorization, body) = seen.lock().unwrap().take().unwrap();
    assert_eq!(authorization.as_deref(), Some("Bearer sk-tts"));
    assert_eq!(body, json!({"model": "tts-1", "input": "Hello there.", "voice": "alloy", "response_format": "pcm"}));
}

#[tokio::test]
async fn a_refusal_is_an_http_error_with_the_body() {
    let refuse = post(|| async {
        let body = json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}});
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    });
    let tts = client(serve(Router::new().route("/v1/audio/speech", refuse)).await);
    let error = bounded(tts.synthesize("Hi.")).await.err().expect("no error");
    assert!(
        matches!(&error, SpeechError::Http { status: 401, body, .. } if body.contains("Incorrect API key")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_broken_off_mid_stream_ends_with_an_error() {
    let (tts, _, _) = server(broken).await;
    let items: Vec<_> = bounded(async { tts.synthesize("Hello there.").await.unwrap().collect().await }).await;
    assert!(matches!(items.first(), Some(Ok(chunk)) if !chunk.is_empty()), "{items:?}");
    assert!(matches!(items.last(), Some(Err(SpeechError::Protocol { .. }))), "{items:?}");
    assert_eq!(items.iter().filter(|item| item.is_err()).count(), 1);
}

#[tokio::test]
async fn blank_text_makes_no_request() {
    let tts = client("http://127.0.0.1:9".into());
    assert!(bounded(collect(tts.synthesize("  ").await.unwrap())).await.unwrap().is_empty());
}
