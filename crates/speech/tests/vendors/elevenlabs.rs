//! `ElevenLabs` against a stand-in streaming endpoint sending 16 kHz PCM.

use crate::support::{Step, assert_near, bounded, collect, le_bytes, scripted_body, serve, sine, zero_crossings};
use agentline_domain::SecretString;
use agentline_speech::{ElevenLabs, TextToSpeech};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server received: voice id, query, `xi-api-key`, JSON body.
type Seen = Arc<Mutex<Option<(String, HashMap<String, String>, Option<String>, Value)>>>;

async fn stream(
    State(seen): State<Seen>,
    Path(voice_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Body {
    let key = headers.get("xi-api-key").map(|value| value.to_str().unwrap().to_owned());
    *seen.lock().unwrap() = Some((voice_id, query, key, body));
    let pcm = le_bytes(&sine(440.0, 16000, 16000));
    let (first, rest) = pcm.split_at(10_001);
    let (second, last) = rest.split_at(10_000);
    let pause = || Step::Sleep(Duration::from_millis(10));
    scripted_body(vec![
        Step::Send(first.to_vec()),
        pause(),
        Step::Send(second.to_vec()),
        pause(),
        Step::Send(last.to_vec()),
    ])
}

#[tokio::test]
async fn pcm_16k_streams_down_to_8k() {
    let seen = Seen::default();
    let router = Router::new().route("/v1/text-to-speech/{voice_id}/stream", post(stream)).with_state(seen.clone());
    let tts = ElevenLabs {
        base_url: serve(router).await,
        api_key: Some(SecretString::new("xi-secret")),
        voice_id: "voice 21m".into(),
        timeout: Duration::from_millis(1500),
        ..ElevenLabs::default()
    };
    assert!(!format!("{tts:?}").contains("xi-secret"), "Debug shows the key");
    let chunks = bounded(async { collect(tts.synthesize("Hello there.").await.unwrap()).await.unwrap() }).await;
    assert!(chunks.len() > 1, "{} chunks", chunks.len());
    let audio = chunks.concat();
    assert_near(audio.len(), 8000, 2.0);
    assert_near(zero_crossings(&audio), 880, 3.0); // 440 Hz for 1 s
    let (voice_id, query, key, body) = seen.lock().unwrap().take().unwrap();
    assert_eq!(voice_id, "voice 21m");
    assert_eq!(query, HashMap::from([("output_format".to_owned(), "pcm_16000".to_owned())]));
    assert_eq!(key.as_deref(), Some("xi-secret"));
    assert_eq!(body, json!({"text": "Hello there.", "model_id": "eleven_flash_v2_5"}));
}
