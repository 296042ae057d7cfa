//! Calls over a SIP trunk to real SIP peers on loopback: SIPp scripts the callee's side of
//! every outcome, baresip is a softphone that records what we send. SQLite only: the
//! database plays no part here that the other tests don't cover on both engines.

use crate::calls::{wait_for, wait_for_within};
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::impaired::{Impairment, OUTSIDE, Relay};
use crate::peers::{self, Baresip, Ports, Sipp, audio, find_audio, wav_channel};
use agentline_media::g711;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub(crate) async fn sip_app(ports: &Ports) -> TestApp {
    let rtp_min = ports.rtp_min;
    spawn_app_with(Engine::Sqlite, move |c| {
        c.engine.sip.listen = "127.0.0.1:0".parse().unwrap();
        c.engine.sip.rtp_port_min = rtp_min;
        c.engine.sip.rtp_port_max = rtp_min + 98;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await
}

/// A trunk to the peer on `ports`, a `sip` number on it and an agent; returns the agent id.
pub(crate) async fn sip_line(
    app: &TestApp,
    acct: &TestAccount,
    ports: &Ports,
    trunk: Value,
    first_message: Option<&str>,
) -> String {
    let mut body = json!({"name": "peer", "host": "127.0.0.1", "port": ports.sip});
    body.as_object_mut().unwrap().extend(trunk.as_object().cloned().unwrap_or_default());
    let trunk_id = app.post("/v1/trunks", &acct.key, body).await.id();
    let agent = json!({"name": "Riley", "instructions": "Talk.", "first_message": first_message});
    let agent_id = app.post("/v1/agents", &acct.key, agent).await.id();
    let number = json!({"phone_number": "+12025550142", "carrier": "sip", "trunk_id": trunk_id, "agent_id": agent_id});
    app.post("/v1/numbers", &acct.key, number).await.assert_status(201);
    agent_id
}

pub(crate) async fn place(app: &TestApp, key: &str, agent: &str, extra: Value) -> String {
    let mut body = json!({"agent_id": agent, "to": "+12025550199"});
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    app.post("/v1/calls", key, body).await.id()
}

pub(crate) fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |call| call["status"] == status
}

/// Waits up to `secs` for the call's events to include `count` events of `event_type`.
pub(crate) async fn wait_for_events(
    app: &TestApp,
    key: &str,
    id: &str,
    event_type: &str,
    count: usize,
    secs: u64,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let events = app.get(&format!("/v1/calls/{id}/events"), key).await.body["data"].as_array().cloned().unwrap();
        let matching: Vec<Value> = events.into_iter().filter(|e| e["type"] == event_type).collect();
        if matching.len() >= count {
            return matching;
        }
        assert!(started.elapsed() < Duration::from_secs(secs), "only {} {event_type} events", matching.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn recording(app: &TestApp, id: &str) -> PathBuf {
    app.data_dir().join("recordings").join(format!("{id}.wav"))
}

pub(crate) async fn wait_for_file(path: &std::path::Path) {
    for _ in 0..200 {
        if path.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{} never appeared", path.display());
}

/// A call placed through a trunk to a SIPp callee running `scenario`.
struct SippCall {
    sipp: Sipp,
    app: TestApp,
    acct: TestAccount,
    id: String,
}

/// Starts SIPp with `keys` and `args`, a server with a trunk to it (plus `trunk` fields), and
/// places a call (plus `call` fields).
async fn call_sipp(scenario: &str, keys: &[(&str, &str)], args: &[&str], trunk: Value, call: Value) -> SippCall {
    let ports = peers::ports();
    let sipp = Sipp::uas(scenario, &ports, keys, args).await;
    let app = sip_app(&ports).await;
    let acct = app.account("A").await;
    let agent = sip_line(&app, &acct, &ports, trunk, None).await;
    let id = place(&app, &acct.key, &agent, call).await;
    SippCall { sipp, app, acct, id }
}

pub(crate) fn playing(file: &str) -> Vec<(&'static str, String)> {
    vec![("pt", "0".into()), ("codec", "PCMU".into()), ("play_file", format!("{file},1,0"))]
}

pub(crate) fn keys<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// SIPp answers with `codec` and plays `file` (raw G.711 in that codec), then sends DTMF
/// `1 2 #`; we check the audio arrived sample for sample and hang up with BYE.
async fn sipp_plays(scenario: &str, pairs: Vec<(&'static str, String)>, file: PathBuf, decode: fn(u8) -> i16) {
    // -d: SIPp plays the file for 6.5 s (it lasts ~6 s), then sends DTMF, then waits for our BYE.
    let SippCall { sipp, app, acct, id } =
        call_sipp(scenario, &keys(&pairs), &["-d", "6500"], json!({}), json!({})).await;

    let call = wait_for(&app, &acct.key, &id, status_is("in_progress")).await;
    assert_eq!(call["carrier"], "sip");
    let digits = wait_for_events(&app, &acct.key, &id, "call.dtmf", 3, 20).await;
    let pressed: Vec<&str> = digits.iter().map(|e| e["payload"]["digit"].as_str().unwrap()).collect();
    assert_eq!(pressed, ["1", "2", "#"]);

    // SIPp fails a call whose BYE arrives during a pause of its script; the last one is 300 ms.
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.post(&format!("/v1/calls/{id}/end"), &acct.key, json!({})).await.assert_status(200);
    let call = wait_for(&app, &acct.key, &id, status_is("completed")).await;
    assert_eq!(call["end_reason"], "ended_by_api");
    assert_eq!(sipp.finish().await, 0, "SIPp saw the call end with our BYE");

    // Every sample SIPp sent arrived, in order, in the callee channel of the recording.
    let path = recording(&app, &id);
    wait_for_file(&path).await;
    let sent: Vec<i16> = std::fs::read(&file).unwrap().into_iter().map(decode).collect();
    let received = wav_channel(&path, 0);
    assert!(find_audio(&received, &sent, 0).is_some(), "the callee's audio is in the recording, sample for sample");
    let media = wait_for(&app, &acct.key, &id, |c| !c["media"].is_null()).await["media"].clone();
    assert!(media["packets_received"].as_u64().unwrap() >= (sent.len() / 160) as u64, "{media}");
    assert!(media["packets_sent"].as_u64().unwrap() > 300, "{media}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_plays_pcmu_and_dtmf_96_and_we_hang_up_with_bye() {
    let ulaw = audio().path("callee.ulaw");
    let mut pairs = playing(&ulaw.display().to_string());
    pairs.push(("dtmf", "12#,150".into()));
    sipp_plays("uas_play.xml", pairs, ulaw, g711::ulaw_decode).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_plays_pcma_and_dtmf_101_and_we_hang_up_with_bye() {
    let alaw = audio().path("callee.alaw");
    let pairs = vec![("pt", "8".into()), ("codec", "PCMA".into()), ("play_file", format!("{},1,8", alaw.display()))];
    sipp_plays("uas_play_dtmf101.xml", pairs, alaw, g711::alaw_decode).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_callee_ends_the_call_as_busy_with_the_sip_status() {
    let SippCall { sipp, app, acct, id } = call_sipp("uas_busy.xml", &[], &[], json!({}), json!({})).await;
    let call = wait_for(&app, &acct.key, &id, status_is("busy")).await;
    assert_eq!(call["end_reason"], "busy");
    assert_eq!(call["end_detail"], "SIP 486 Busy Here");
    assert_eq!(sipp.finish().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunks_over_tcp_work_too() {
    let SippCall { sipp, app, acct, id } =
        call_sipp("uas_busy.xml", &[], &["-t", "t1"], json!({"transport": "tcp"}), json!({})).await;
    let call = wait_for(&app, &acct.key, &id, status_is("busy")).await;
    assert_eq!(call["end_detail"], "SIP 486 Busy Here");
    assert_eq!(sipp.finish().await, 0, "SIPp took the INVITE and our ACK over TCP");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_call_is_canceled_at_the_ring_timeout() {
    let SippCall { sipp, app, acct, id } =
        call_sipp("uas_ring_cancel.xml", &[], &[], json!({}), json!({"ring_timeout": 5})).await;
    wait_for(&app, &acct.key, &id, status_is("ringing")).await;
    let started = Instant::now();
    let call = wait_for_within(&app, &acct.key, &id, 15, status_is("no_answer")).await;
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(call["end_reason"], "no_answer");
    assert_eq!(sipp.finish().await, 0, "SIPp received our CANCEL and we ACKed its 487");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_challenge_is_answered_with_the_trunk_credentials() {
    let ulaw = audio().path("callee.ulaw");
    let mut pairs = playing(&ulaw.display().to_string());
    let password = "Tr0mb0ne-digest-pass";
    pairs.extend([("dtmf", "5".into()), ("auth_user", "alice".into()), ("auth_pass", password.into())]);
    let SippCall { sipp, app, acct, id } = call_sipp(
        "uas_auth_play.xml",
        &keys(&pairs),
        &["-d", "1000"],
        json!({"username": "alice", "password": password}),
        json!({}),
    )
    .await;
    wait_for(&app, &acct.key, &id, status_is("in_progress")).await;
    wait_for_events(&app, &acct.key, &id, "call.dtmf", 1, 20).await;
    app.post(&format!("/v1/calls/{id}/end"), &acct.key, json!({})).await.assert_status(200);
    assert_eq!(sipp.finish().await, 0, "SIPp verified our digest response");
    assert!(!crate::helpers::captured_logs().contains(password), "the trunk password never reaches the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_hanging_up_completes_the_call_as_caller_hangup() {
    let ulaw = audio().path("callee.ulaw");
    let mut pairs = playing(&ulaw.display().to_string());
    pairs.push(("dtmf", "9".into()));
    let SippCall { sipp, app, acct, id } =
        call_sipp("uas_play_hangup.xml", &keys(&pairs), &["-d", "1000"], json!({}), json!({})).await;
    let call = wait_for_within(&app, &acct.key, &id, 20, status_is("completed")).await;
    assert_eq!(call["end_reason"], "caller_hangup");
    assert!(call["duration"].as_i64().unwrap() >= 2, "{call}");
    assert_eq!(sipp.finish().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_records_our_speech_and_dtmf_flows_both_ways() {
    let ports = peers::ports();
    let dir = tempfile::tempdir().unwrap();
    let baresip = Baresip::callee(&ports, "+12025550100", &audio().path("silence8k.wav"), dir.path()).await;
    let app = sip_app(&ports).await;
    let acct = app.account("A").await;
    let greeting = "Hello, this is agentline calling. This is a test of the telephone line.";
    let agent = sip_line(
        &app,
        &acct,
        &ports,
        json!({"caller_id_mode": "p_asserted_identity", "username": "agentline"}),
        Some(greeting),
    )
    .await;
    let id = place(&app, &acct.key, &agent, json!({"to": "+12025550100"})).await;
    wait_for(&app, &acct.key, &id, status_is("in_progress")).await;

    // The greeting takes about 4 s; keys pressed on baresip reach the call's events meanwhile.
    tokio::time::sleep(Duration::from_millis(800)).await;
    for digit in ['4', '7'] {
        baresip.press(digit).await;
    }
    let digits = wait_for_events(&app, &acct.key, &id, "call.dtmf", 2, 10).await;
    let pressed: Vec<&str> = digits.iter().filter_map(|e| e["payload"]["digit"].as_str()).collect();
    assert_eq!(pressed, ["4", "7"]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    app.post(&format!("/v1/calls/{id}/dtmf"), &acct.key, json!({"digits": "38"})).await.assert_status(202);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.post(&format!("/v1/calls/{id}/end"), &acct.key, json!({})).await.assert_status(200);
    wait_for(&app, &acct.key, &id, status_is("completed")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = baresip.log_text();
    baresip.stop().await;

    for digit in ['3', '8'] {
        assert!(log.contains(&format!("received event: '{digit}'")), "baresip logged our DTMF {digit}:\n{log}");
    }
    // What baresip heard is what we sent: our side of our recording, found in its recording.
    let ours = recording(&app, &id);
    wait_for_file(&ours).await;
    let sent = wav_channel(&ours, 1);
    let speech_start = sent.iter().position(|s| s.unsigned_abs() > 500).expect("we spoke");
    // The recording holds our audio before G.711; the wire carries it quantised.
    let excerpt: Vec<i16> =
        sent[speech_start..speech_start + 16_000].iter().map(|&s| g711::ulaw_decode(g711::ulaw_encode(s))).collect();
    let theirs = Baresip::received_recording_in(dir.path()).expect("baresip recorded the call");
    let heard = wav_channel(&theirs, 0);
    // G.711 is lossless after our own encoding; baresip decodes the same way (within 2 LSB).
    assert!(
        find_audio(&heard, &excerpt, 2).is_some(),
        "baresip's recording holds 2 s of our speech, sample for sample"
    );
}

/// RTP across a bad network (5 % loss, 60 ± 40 ms delay so packets arrive out of order, 2 %
/// duplicates) in both directions, behind a 1:1 NAT: the call completes, the recogniser still
/// hears the callee, and the call's media figures show the loss the network caused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lossy_jittery_network_still_carries_the_call_and_the_loss_is_reported() {
    let ports = peers::ports();
    let sip_port = ports.sip + 5;
    let mut relay = Relay::new();
    relay.forward(sip_port, Impairment::NONE, 1).await;
    let bad = Impairment { loss: 0.05, delay_ms: 60, jitter_ms: 40, duplicate: 0.02 };
    for port in (ports.rtp_min..ports.rtp_min + 98).step_by(2) {
        relay.forward(port, bad, u64::from(port)).await;
    }
    let ulaw = audio().path("callee.ulaw");
    let mut pairs = playing(&ulaw.display().to_string());
    pairs.push(("dtmf", "5,150".into()));
    let sipp = Sipp::uas("uas_play.xml", &ports, &keys(&pairs), &["-d", "7000"]).await;
    let app = spawn_app_with(Engine::Sqlite, move |c| {
        c.engine.sip.listen = SocketAddr::from(([127, 0, 0, 1], sip_port));
        c.engine.sip.external_ip = OUTSIDE.to_string();
        c.engine.sip.rtp_port_min = ports.rtp_min;
        c.engine.sip.rtp_port_max = ports.rtp_min + 98;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await;
    let acct = app.account("A").await;
    let agent = sip_line(&app, &acct, &ports, json!({}), None).await;
    let id = place(&app, &acct.key, &agent, json!({})).await;

    wait_for(&app, &acct.key, &id, status_is("in_progress")).await;
    wait_for_events(&app, &acct.key, &id, "call.dtmf", 1, 20).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.post(&format!("/v1/calls/{id}/end"), &acct.key, json!({})).await.assert_status(200);
    wait_for(&app, &acct.key, &id, status_is("completed")).await;
    assert_eq!(sipp.finish().await, 0, "SIPp's call went as scripted through the NAT");

    let turns = app.get(&format!("/v1/calls/{id}/transcript"), &acct.key).await.assert_status(200)["turns"].clone();
    let heard: String = turns
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["speaker"] == "caller")
        .map(|t| t["text"].as_str().unwrap().to_lowercase())
        .collect();
    let words = ["hello", "test", "callee", "please", "beep", "one", "two", "three", "four", "five"];
    let recognised = words.iter().filter(|w| heard.contains(*w)).count();
    assert!(recognised >= 5, "the recogniser heard the callee through the loss ({recognised}/10 words): {turns}");

    let media = wait_for(&app, &acct.key, &id, |c| !c["media"].is_null()).await["media"].clone();
    let count = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    let (dropped, duplicated) = (count(&relay.inward.dropped_audio), count(&relay.inward.duplicated));
    let (lost, late) = (media["packets_lost"].as_u64().unwrap(), media["packets_late"].as_u64().unwrap());
    eprintln!("relay dropped {dropped} audio packets, duplicated {duplicated}; media {media}; heard {heard:?}");
    assert!(dropped >= 5, "the network lost packets: {dropped}");
    // A hole is counted lost when its turn to play comes; a packet that arrives after that is
    // counted late as well. Only the last packets of the stream can vanish unnoticed.
    assert!(
        (dropped.saturating_sub(2)..=dropped + late + duplicated).contains(&lost),
        "the call's figures report the packets the network lost: {media}, dropped {dropped}"
    );
}
