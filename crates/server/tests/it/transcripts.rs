//! Transcripts and recordings over HTTP: turns stored by the conversation engine (here, the
//! store used directly) come back in order as JSON and text, live on the transcript stream
//! and in webhooks; recordings are served whole or by byte range, and never across accounts
//! or outside the data directory.

use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use crate::receiver::Receiver;
use agentline_domain::{CallId, Timestamp};
use agentline_store::calls;
use agentline_store::transcripts::{self, Speaker, TranscriptTurn};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

on_both_engines!(
    transcript_answers_turns_in_order_as_json_and_text,
    turns_reach_the_live_stream_the_event_log_and_webhooks,
    recording_is_served_whole_and_by_range,
    recording_is_never_served_from_outside_the_data_dir,
    call_shows_recording_url_latency_and_summary,
);

/// Webhooks may target the loopback receiver; deliveries run in the background.
async fn app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |c| {
        c.engine.webhook_allow_private = true;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await
}

/// A test-mode call scheduled far ahead: it stays `queued`, so nothing but the test writes
/// turns for it.
async fn scheduled_call(app: &TestApp, acct: &TestAccount) -> CallId {
    let agent = app.post("/v1/agents", &acct.key, json!({"name": "Riley"})).await.id();
    let number = app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550150", "agent_id": agent})).await;
    number.assert_status(201);
    let body = json!({"agent_id": agent, "to": "+14155550100", "start_at": "2099-01-01T00:00:00Z"});
    let placed = app.post("/v1/calls", &acct.test_key, body).await;
    placed.assert_status(201);
    CallId::parse(&placed.id()).unwrap()
}

fn turn(seq: i64, speaker: Speaker, text: &str, interrupted: bool) -> TranscriptTurn {
    TranscriptTurn { seq, speaker, text: text.into(), start_ms: seq * 1000, end_ms: seq * 1000 + 800, interrupted }
}

async fn append(app: &TestApp, call: &CallId, turn: &TranscriptTurn) {
    transcripts::append_turn(&app.store, call, turn, Timestamp::now()).await.unwrap();
}

/// GET with extra headers: (status, headers, raw body).
async fn get_raw(
    app: &TestApp,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.base)).bearer_auth(key);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn transcript_answers_turns_in_order_as_json_and_text(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("A").await;
    let call = scheduled_call(&app, &acct).await;
    let path = format!("/v1/calls/{call}/transcript");

    let empty = app.get(&path, &acct.key).await;
    assert_eq!(
        empty.assert_status(200),
        &json!({"call_id": call.as_str(), "status": "queued", "turns": [], "text": ""})
    );

    // Stored out of order, answered by seq.
    append(&app, &call, &turn(1, Speaker::Caller, "Yes, speaking.", false)).await;
    append(&app, &call, &turn(0, Speaker::Agent, "Hi Ada, this is Riley from Acme Dental.", false)).await;
    append(&app, &call, &turn(2, Speaker::Agent, "I'm calling to confirm your", true)).await;
    append(&app, &call, &turn(3, Speaker::Caller, "Sorry, can you call back later?", false)).await;
    let again = turn(3, Speaker::Agent, "again", false);
    let duplicate = transcripts::append_turn(&app.store, &call, &again, Timestamp::now()).await;
    assert!(matches!(duplicate, Err(agentline_store::Error::AlreadyExists)), "a seq is stored once");

    let expected_text = "Agent: Hi Ada, this is Riley from Acme Dental.\nCaller: Yes, speaking.\n\
                         Agent: I'm calling to confirm your [interrupted]\nCaller: Sorry, can you call back later?";
    let got = app.get(&path, &acct.key).await;
    let body = got.assert_status(200);
    assert_eq!(body["call_id"], call.as_str());
    assert_eq!(body["status"], "queued");
    assert_eq!(
        body["turns"][2],
        json!({"seq": 2, "speaker": "agent", "text": "I'm calling to confirm your", "start_ms": 2000, "end_ms": 2800, "interrupted": true})
    );
    let seqs: Vec<i64> = body["turns"].as_array().unwrap().iter().map(|t| t["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [0, 1, 2, 3]);
    let speakers: Vec<&str> =
        body["turns"].as_array().unwrap().iter().map(|t| t["speaker"].as_str().unwrap()).collect();
    assert_eq!(speakers, ["agent", "caller", "agent", "caller"]);
    assert_eq!(body["text"], expected_text);

    for (query, headers) in [("?format=text", vec![]), ("", vec![("accept", "text/plain")])] {
        let (status, headers, text) = get_raw(&app, &format!("{path}{query}"), &acct.key, &headers).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), "text/plain; charset=utf-8");
        assert_eq!(String::from_utf8(text).unwrap(), format!("{expected_text}\n"));
    }
    let (_, headers, _) = get_raw(&app, &format!("{path}?format=json"), &acct.key, &[("accept", "text/plain")]).await;
    assert!(header(&headers, "content-type").starts_with("application/json"), "format wins over Accept");
    app.get(&format!("{path}?format=xml"), &acct.key).await.assert_error(400, "validation_error");

    // Another account sees nothing, in either format; an unknown call is not found either.
    let other = app.account("B").await;
    app.get(&path, &other.key).await.assert_error(404, "not_found");
    let (status, _, body) = get_raw(&app, &format!("{path}?format=text"), &other.key, &[]).await;
    assert_eq!(status, 404);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["error"]["code"], "not_found");
    app.get("/v1/calls/call_00000000000000000000000000000000/transcript", &acct.key)
        .await
        .assert_error(404, "not_found");

    // After the end the transcript stays readable; a late turn is kept but sends no event.
    app.post(&format!("/v1/calls/{call}/end"), &acct.key, json!({})).await.assert_status(200);
    append(&app, &call, &turn(4, Speaker::Agent, "Goodbye.", false)).await;
    let after = app.get(&path, &acct.key).await;
    assert_eq!(after.body["status"], "canceled");
    assert_eq!(after.body["turns"].as_array().unwrap().len(), 5);
    let events = app.get(&format!("/v1/calls/{call}/events"), &acct.key).await.body;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.last(), Some(&"call.failed"), "the final event stays last: {types:?}");
    assert_eq!(types.iter().filter(|t| **t == "call.transcript").count(), 4);
}

/// Reads an SSE response to its end: (event type, data) pairs.
async fn read_sse(response: reqwest::Response) -> Vec<(String, Value)> {
    let events = crate::helpers::read_sse_fields(response, &["event:", "data:"]).await;
    events.into_iter().filter_map(|f| Some((f[0].clone(), serde_json::from_str(&f[1]).ok()?))).collect()
}

async fn turns_reach_the_live_stream_the_event_log_and_webhooks(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("A").await;
    let receiver = Receiver::start().await;
    let endpoint = app
        .post("/v1/webhook-endpoints", &acct.key, json!({"url": receiver.url, "event_types": ["call.transcript"]}))
        .await;
    endpoint.assert_status(201);
    let call = scheduled_call(&app, &acct).await;

    let other = app.account("B").await;
    let refused = app
        .client
        .get(format!("{}/v1/calls/{call}/transcript/stream", app.base))
        .bearer_auth(&other.key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);

    let stream = app
        .client
        .get(format!("{}/v1/calls/{call}/transcript/stream", app.base))
        .bearer_auth(&acct.key)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // The stream is open and waiting; the turns arrive while it is.
    tokio::time::sleep(Duration::from_millis(300)).await;
    append(&app, &call, &turn(0, Speaker::Agent, "Hello, this is Riley.", false)).await;
    append(&app, &call, &turn(1, Speaker::Caller, "Hi Riley.", false)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.post(&format!("/v1/calls/{call}/end"), &acct.key, json!({})).await.assert_status(200);

    let events = read_sse(stream).await;
    assert_eq!(events.len(), 2, "only the transcript's events: {events:?}");
    for ((kind, data), (seq, speaker, text)) in
        events.iter().zip([(0, "agent", "Hello, this is Riley."), (1, "caller", "Hi Riley.")])
    {
        assert_eq!(kind, "call.transcript");
        assert_eq!(data["type"], "call.transcript");
        assert_eq!(data["call_id"], call.as_str());
        let payload = &data["payload"];
        assert_eq!((payload["seq"].as_i64(), payload["speaker"].as_str()), (Some(seq), Some(speaker)));
        assert_eq!(payload["text"], text);
        assert_eq!(payload["call_id"], call.as_str());
        assert_eq!(payload["interrupted"], false);
        assert_eq!(payload["start_ms"], seq * 1000);
        assert_eq!(payload["end_ms"], seq * 1000 + 800);
    }

    let log = app.get(&format!("/v1/calls/{call}/events"), &acct.key).await.body;
    let types: Vec<&str> = log["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["call.queued", "call.transcript", "call.transcript", "call.failed"]);

    let got = receiver.wait_until(|r| r.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 2, "the endpoint subscribed to call.transcript only");
    let bodies: Vec<Value> = got.iter().map(crate::receiver::Received::json).collect();
    assert!(bodies.iter().all(|b| b["type"] == "call.transcript" && b["call_id"] == call.as_str()), "{bodies:?}");
    let texts: Vec<&str> = bodies.iter().map(|b| b["data"]["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Hello, this is Riley.", "Hi Riley."]);
    assert_eq!(bodies[1]["data"]["speaker"], "caller");
}

/// Writes a stereo 8 kHz, 16-bit WAV of `frames` frames (a ramp, so every byte range differs).
pub(crate) fn write_wav(path: &Path, frames: u32) -> Vec<u8> {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames {
        writer.write_sample((i % 30_000) as i16).unwrap();
        writer.write_sample(-((i % 30_000) as i16)).unwrap();
    }
    writer.finalize().unwrap();
    std::fs::read(path).unwrap()
}

pub(crate) async fn set_recording(app: &TestApp, call: &CallId, path: &Path) {
    let recording = json!({"path": path.to_str().unwrap(), "duration_ms": 1000, "channels": 2, "sample_rate": 8000});
    calls::set_recording(&app.store, call, &recording).await.unwrap();
}

pub(crate) fn recording_path(app: &TestApp, call: &CallId) -> PathBuf {
    app.data_dir().join("recordings").join(format!("{call}.wav"))
}

async fn recording_is_served_whole_and_by_range(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("A").await;
    let call = scheduled_call(&app, &acct).await;
    let url = format!("/v1/calls/{call}/recording");

    app.get(&url, &acct.key).await.assert_error(404, "recording_not_found");
    let path = recording_path(&app, &call);
    let wav = write_wav(&path, 8000);
    let len = wav.len();
    assert_eq!(len, 44 + 8000 * 4);
    set_recording(&app, &call, &path).await;

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "audio/wav");
    assert_eq!(header(&headers, "accept-ranges"), "bytes", "not compressed: ranges stay exact");
    assert_eq!(header(&headers, "content-length"), len.to_string());
    assert!(body == wav, "the whole file, byte for byte");
    let reader = hound::WavReader::new(std::io::Cursor::new(body)).unwrap();
    assert_eq!((reader.spec().channels, reader.spec().sample_rate, reader.duration()), (2, 8000, 8000));

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", "bytes=0-43")]).await;
    assert_eq!(status, 206);
    assert_eq!(header(&headers, "content-range"), format!("bytes 0-43/{len}"));
    assert_eq!(header(&headers, "content-type"), "audio/wav");
    assert!(body == wav[..44], "the WAV header");
    assert_eq!(&body[..4], b"RIFF");

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", "bytes=1000-1999")]).await;
    assert_eq!((status, header(&headers, "content-range")), (206, format!("bytes 1000-1999/{len}")));
    assert!(body == wav[1000..2000]);

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", "bytes=30000-")]).await;
    assert_eq!((status, header(&headers, "content-range")), (206, format!("bytes 30000-{}/{len}", len - 1)));
    assert!(body == wav[30000..]);

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", "bytes=-100")]).await;
    assert_eq!((status, header(&headers, "content-range")), (206, format!("bytes {}-{}/{len}", len - 100, len - 1)));
    assert!(body == wav[len - 100..], "a suffix range is the last bytes");

    let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", "bytes=32000-999999")]).await;
    assert_eq!((status, header(&headers, "content-range")), (206, format!("bytes 32000-{}/{len}", len - 1)));
    assert!(body == wav[32000..], "an end past the file means up to its end");

    let (status, _, body) =
        get_raw(&app, &url, &acct.key, &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")]).await;
    assert_eq!((status, body.len()), (304, 0));

    for unsatisfiable in [format!("bytes={len}-"), format!("bytes={}-{}", len + 10, len + 20)] {
        let (status, headers, body) = get_raw(&app, &url, &acct.key, &[("range", &unsatisfiable)]).await;
        assert_eq!(status, 416, "{unsatisfiable}");
        assert_eq!(header(&headers, "content-range"), format!("bytes */{len}"));
        let error: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["error"]["code"], "range_not_satisfiable", "{error}");
    }

    let head = app.client.head(format!("{}{url}", app.base)).bearer_auth(&acct.key).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(head.headers(), "content-length"), len.to_string());

    let other = app.account("B").await;
    app.get(&url, &other.key).await.assert_error(404, "not_found");
    let (status, _, _) = get_raw(&app, &url, &other.key, &[("range", "bytes=0-43")]).await;
    assert_eq!(status, 404);

    std::fs::remove_file(&path).unwrap();
    app.get(&url, &acct.key).await.assert_error(404, "recording_not_found");
}

async fn recording_is_never_served_from_outside_the_data_dir(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("A").await;
    let call = scheduled_call(&app, &acct).await;
    let url = format!("/v1/calls/{call}/recording");

    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("secret.wav");
    write_wav(&outside, 10);
    set_recording(&app, &call, &outside).await;
    app.get(&url, &acct.key).await.assert_error(404, "recording_not_found");

    // A path that starts in the data directory and climbs out of it (both are temporary
    // directories, side by side).
    let climbing = app.data_dir().join("..").join(elsewhere.path().file_name().unwrap()).join("secret.wav");
    assert!(climbing.exists(), "{}", climbing.display());
    set_recording(&app, &call, &climbing).await;
    app.get(&url, &acct.key).await.assert_error(404, "recording_not_found");

    // A directory under the data directory is not a recording.
    set_recording(&app, &call, app.data_dir()).await;
    app.get(&url, &acct.key).await.assert_error(404, "recording_not_found");
}

async fn call_shows_recording_url_latency_and_summary(engine: Engine) {
    let app = app(engine).await;
    let acct = app.account("A").await;
    let call = scheduled_call(&app, &acct).await;
    let get = format!("/v1/calls/{call}");

    let before = app.get(&get, &acct.key).await.body;
    assert_eq!(
        (&before["recording_url"], &before["latency"], &before["summary"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );

    let path = recording_path(&app, &call);
    write_wav(&path, 800);
    set_recording(&app, &call, &path).await;
    let latency = json!({"turns": 3, "first_audio_ms": {"p50": 640, "p95": 910}, "stt_final_ms": {"p50": 180}});
    calls::set_latency(&app.store, &call, &latency).await.unwrap();
    calls::set_summary(&app.store, &call, "Ada asked to be called back later.").await.unwrap();

    let url = format!("/v1/calls/{call}/recording");
    let shown = app.get(&get, &acct.key).await;
    let body = shown.assert_status(200);
    assert_eq!(body["recording_url"], url.as_str());
    assert_eq!(body["latency"], latency);
    assert_eq!(body["summary"], "Ada asked to be called back later.");
    assert!(body.get("recording").is_none(), "the stored path is not shown: {body}");

    let list = app.get("/v1/calls", &acct.key).await.body;
    let listed = &list["data"][0];
    assert_eq!((&listed["id"], &listed["recording_url"]), (&json!(call.as_str()), &json!(url)));
    assert_eq!(listed["latency"], latency);
    assert_eq!(listed["summary"], "Ada asked to be called back later.");
    assert!(listed.get("recording").is_none());

    let ended = app.post(&format!("/v1/calls/{call}/end"), &acct.key, json!({})).await;
    assert_eq!(ended.assert_status(200)["recording_url"], url.as_str());
}
