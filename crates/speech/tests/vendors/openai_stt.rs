//! `OpenAiTranscription` against a stand-in `/v1/audio/transcriptions` that parses the upload.

use crate::support::{bounded, serve, sine};
use agentline_domain::SecretString;
use agentline_speech::{BatchTranscriber, Buffered, OpenAiTranscription, SpeechError, SpeechToText};
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the stand-in server received.
#[derive(Default)]
struct Upload {
    authorization: Option<String>,
    fields: HashMap<String, String>,
    file_name: Option<String>,
    content_type: Option<String>,
    wav: Vec<u8>,
}

type Seen = Arc<Mutex<Option<Upload>>>;

async fn transcriptions(State(seen): State<Seen>, headers: HeaderMap, mut form: Multipart) -> Json<serde_json::Value> {
    let authorization = headers.get("authorization").map(|value| value.to_str().unwrap().to_owned());
    let mut upload = Upload { authorization, ..Upload::default() };
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().unwrap().to_owned();
        if name == "file" {
            upload.file_name = field.file_name().map(str::to_owned);
            upload.content_type = field.content_type().map(str::to_owned);
            upload.wav = field.bytes().await.unwrap().to_vec();
        } else {
            upload.fields.insert(name, field.text().await.unwrap());
        }
    }
    *seen.lock().unwrap() = Some(upload);
    Json(serde_json::json!({ "text": " Hello world. " }))
}

/// A recording server; returns the client pointed at it and what it saw.
async fn recording_server(api_key: Option<&str>) -> (OpenAiTranscription, Seen) {
    let seen = Seen::default();
    let router = Router::new().route("/v1/audio/transcriptions", post(transcriptions)).with_state(seen.clone());
    (client(serve(router).await, api_key), seen)
}

fn client(base: String, api_key: Option<&str>) -> OpenAiTranscription {
    OpenAiTranscription {
        base_url: format!("{base}/v1"),
        api_key: api_key.map(SecretString::new),
        language: Some("en".into()),
        timeout: Duration::from_millis(1500),
        ..OpenAiTranscription::default()
    }
}

/// The sample count of a canonical 16 kHz mono 16-bit WAV, checking its header.
fn wav_16k_mono_samples(wav: &[u8]) -> usize {
    let u16_at = |at: usize| u16::from_le_bytes([wav[at], wav[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(wav[at..at + 4].try_into().unwrap());
    assert_eq!((&wav[0..4], &wav[8..16], &wav[36..40]), (&b"RIFF"[..], &b"WAVEfmt "[..], &b"data"[..]));
    assert_eq!((u16_at(20), u16_at(22), u32_at(24), u16_at(34)), (1, 1, 16000, 16), "PCM, mono, 16 kHz, 16-bit");
    assert_eq!(u32_at(40) as usize, wav.len() - 44, "data size");
    assert_eq!(u32_at(4) as usize, wav.len() - 8, "RIFF size");
    (wav.len() - 44) / 2
}

#[tokio::test]
async fn a_turn_is_uploaded_as_a_16k_wav_with_the_options() {
    let (transcriber, seen) = recording_server(Some("sk-test")).await;
    assert!(!format!("{transcriber:?}").contains("sk-test"), "Debug shows the key");
    let stt = Buffered(Arc::new(transcriber));
    let text = bounded(async {
        let mut stream = stt.open().await.unwrap();
        for frame in sine(440.0, 8000, 8000).chunks(160) {
            stream.push(frame).await.unwrap();
        }
        stream.finish().await
    })
    .await;
    assert_eq!(text.unwrap(), "Hello world.");
    let upload = seen.lock().unwrap().take().expect("no upload");
    assert_eq!(upload.authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(upload.fields["model"], "whisper-1");
    assert_eq!(upload.fields["response_format"], "json");
    assert_eq!(upload.fields["language"], "en");
    assert_eq!((upload.file_name.as_deref(), upload.content_type.as_deref()), (Some("audio.wav"), Some("audio/wav")));
    assert_eq!(wav_16k_mono_samples(&upload.wav), 16000, "twice the 8 kHz samples");
}

#[tokio::test]
async fn without_a_key_no_authorization_is_sent() {
    let (transcriber, seen) = recording_server(None).await;
    bounded(transcriber.transcribe(vec![0; 3200])).await.unwrap();
    let upload = seen.lock().unwrap().take().expect("no upload");
    assert_eq!(upload.authorization, None);
    assert_eq!(wav_16k_mono_samples(&upload.wav), 3200);
}

#[tokio::test]
async fn an_error_status_is_an_http_error_with_the_body() {
    let failing = post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "model exploded") });
    let base = serve(Router::new().route("/v1/audio/transcriptions", failing)).await;
    let error = bounded(client(base, Some("k")).transcribe(vec![0; 3200])).await.unwrap_err();
    let expected = SpeechError::Http { provider: "openai-transcription", status: 500, body: "model exploded".into() };
    assert_eq!(error, expected);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let slow = post(|| async {
        tokio::time::sleep(Duration::from_secs(10)).await;
        "{}"
    });
    let base = serve(Router::new().route("/v1/audio/transcriptions", slow)).await;
    let transcriber = OpenAiTranscription { timeout: Duration::from_millis(300), ..client(base, None) };
    let started = Instant::now();
    let error = bounded(transcriber.transcribe(vec![0; 3200])).await.unwrap_err();
    assert!(matches!(error, SpeechError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}
