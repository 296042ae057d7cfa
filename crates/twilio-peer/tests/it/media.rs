//! Media Streams: Twilio's messages, pacing, the caller's script, and the playback simulation.

use crate::helpers::*;
use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_twilio_peer::{CallerScript, StreamEnd, connect_stream, sign};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn near(actual: Duration, expected: Duration, slack: Duration) -> bool {
    actual + slack >= expected && actual <= expected + slack
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_drops_queued_audio_and_echoes_the_pending_mark() {
    let server = WsServer::start(Behaviour::Speak { audio: ms(1000), clear_after: Some(ms(300)) }, None).await;
    let stream = connect_stream(&server.url, None, CallerScript::silent()).await.expect("the stream opens");
    assert!(stream.wait_until(WAIT, |log| !log.clears.is_empty()).await, "no clear arrived");
    // Nothing may play after the clear.
    tokio::time::sleep(ms(200)).await;
    let log = stream.log();
    assert_eq!(log.media_bytes_received, 8000);
    let played = log.played_audio_ms();
    assert!((240..=360).contains(&played), "played {played} ms, not about 300");
    let audible_frames = log.played.chunks(160).filter(|frame| frame.iter().any(|&s| s != 0)).count();
    assert!((12..=18).contains(&audible_frames), "{audible_frames} audible frames");
    let dropped = log.bytes_dropped_by_clear;
    assert!((5600 - 480..=5600 + 480).contains(&dropped), "dropped {dropped} bytes, not about 700 ms");
    assert_eq!(played as usize * 8 + dropped, 8000);
    assert_eq!(log.marks_echoed.len(), 1);
    assert!(log.marks_echoed[0].cleared && log.marks_echoed[0].name == "m1");
    assert_eq!(log.malformed, 0);
    let echo = server.log().first("mark").map(|(_, m)| m.clone()).expect("the mark came back");
    assert_eq!(echo["mark"]["name"], "m1");
    assert!(echo["sequenceNumber"].is_string());
    assert_eq!(echo["streamSid"], log.stream_sid.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mark_comes_back_once_its_audio_has_played() {
    let server = WsServer::start(Behaviour::Speak { audio: ms(1000), clear_after: None }, None).await;
    let stream = connect_stream(&server.url, None, CallerScript::silent()).await.expect("the stream opens");
    assert!(stream.wait_until(WAIT, |log| !log.marks_echoed.is_empty()).await, "no mark echoed");
    tokio::time::sleep(ms(100)).await;
    let (sent, echoed) = {
        let log = server.log();
        (log.mark_sent_at.expect("mark sent"), log.first("mark").map(|(at, _)| *at).expect("echo received"))
    };
    let delay = echoed - sent;
    assert!(near(delay, ms(1000), ms(60)), "the mark came back {delay:?} after it was sent");
    let log = stream.log();
    assert!(!log.marks_echoed[0].cleared);
    assert_eq!(log.played_audio_ms(), 1000);
    // The played timeline holds the tone, as μ-law carried it.
    let first_frame = log.played.chunks(160).position(|frame| frame.iter().any(|&s| s != 0)).expect("audio played");
    let start = first_frame * 160;
    let expected: Vec<i16> = tone(ms(1000)).iter().map(|&s| ulaw_decode(ulaw_encode(s))).collect();
    assert_eq!(&log.played[start..start + 8000], &expected[..]);
    assert!(log.played[start + 8000..].iter().all(|&s| s == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dtmf_step_arrives_as_a_dtmf_event() {
    let server = WsServer::start(Behaviour::Passive, None).await;
    let script = CallerScript::silent().silence(ms(100)).dtmf('5');
    let stream = connect_stream(&server.url, None, script).await.expect("the stream opens");
    assert!(stream.wait_until(WAIT, |log| !log.dtmf_sent.is_empty()).await);
    tokio::time::sleep(ms(100)).await;
    let dtmf = server.log().first("dtmf").map(|(_, m)| m.clone()).expect("a dtmf event");
    assert_eq!(dtmf["dtmf"]["digit"], "5");
    assert_eq!(dtmf["dtmf"]["track"], "inbound_track");
    assert_eq!(dtmf["streamSid"], stream.stream_sid());
    assert!(dtmf["sequenceNumber"].is_string());
    // Media keeps flowing around it.
    assert!(server.log().events().iter().filter(|e| **e == "media").count() >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_speech_arrives_intact_in_twilios_format() {
    let server = WsServer::start(Behaviour::Passive, None).await;
    let speech = tone(ms(500));
    let script = CallerScript::silent().say(speech.clone()).silence(ms(100)).hangup();
    let stream = connect_stream(&server.url, None, script).await.expect("the stream opens");
    assert_eq!(stream.wait_ended(WAIT).await, Some(StreamEnd::CallerHungUp));
    tokio::time::sleep(ms(100)).await;
    let log = server.log();
    let expected: Vec<i16> = speech.iter().map(|&s| ulaw_decode(ulaw_encode(s))).collect();
    assert_eq!(&log.caller_audio[..4000], &expected[..]);
    assert!(log.caller_audio[4000..].iter().all(|&s| s == 0));
    assert_eq!(log.caller_audio, stream.log().caller_sent);

    let events = log.events();
    assert_eq!(&events[..2], ["connected", "start"]);
    assert_eq!(events.last(), Some(&"stop"));
    let (_, connected) = &log.messages[0];
    assert_eq!((&connected["protocol"], &connected["version"]), (&Value::from("Call"), &Value::from("1.0.0")));
    let (_, start) = &log.messages[1];
    assert_eq!(start["sequenceNumber"], "1");
    assert_eq!(start["start"]["mediaFormat"]["encoding"], "audio/x-mulaw");
    assert_eq!(start["start"]["mediaFormat"]["sampleRate"], 8000);
    assert_eq!(start["start"]["tracks"][0], "inbound");
    let stream_sid = start["streamSid"].as_str().expect("streamSid");
    assert!(stream_sid.starts_with("MZ") && stream_sid.len() == 34);
    let media: Vec<&Value> = log.messages.iter().map(|(_, m)| m).filter(|m| m["event"] == "media").collect();
    assert_eq!(media.len(), 30);
    for (n, message) in media.iter().enumerate() {
        assert_eq!(message["sequenceNumber"], (n + 2).to_string());
        assert_eq!(message["media"]["chunk"], (n + 1).to_string());
        assert_eq!(message["media"]["timestamp"], (n * 20).to_string());
        assert_eq!(message["media"]["track"], "inbound");
        assert_eq!(message["streamSid"], stream_sid);
    }
    let (_, stop) = log.messages.last().expect("stop");
    assert_eq!(stop["sequenceNumber"], "32");
    assert_eq!(stop["stop"]["callSid"], start["start"]["callSid"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_is_paced_at_20_ms_without_drift() {
    let server = WsServer::start(Behaviour::Passive, None).await;
    let stream = connect_stream(&server.url, None, CallerScript::silent()).await.expect("the stream opens");
    tokio::time::sleep(ms(1500)).await;
    stream.hang_up();
    assert_eq!(stream.wait_ended(WAIT).await, Some(StreamEnd::CallerHungUp));
    let log = server.log();
    let arrivals: Vec<_> = log.messages.iter().filter(|(_, m)| m["event"] == "media").map(|(at, _)| *at).collect();
    assert!((72..=78).contains(&arrivals.len()), "{} frames in 1.5 s", arrivals.len());
    // Frame n arrives n·20 ms after the first, give or take scheduling, never drifting (and not
    // bunched up behind Nagle's algorithm).
    for (n, at) in arrivals.iter().enumerate() {
        let since = *at - arrivals[0];
        assert!(near(since, ms(20 * n as u64), ms(30)), "frame {n} arrived {since:?} after the first");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_waits_for_the_agent_to_speak_and_finish() {
    let server = WsServer::start(Behaviour::Speak { audio: ms(600), clear_after: None }, None).await;
    let script = CallerScript::silent()
        .wait_for_agent_audio(ms(2000))
        .wait_for_agent_silence(ms(200), ms(3000))
        .say(tone(ms(100)));
    let stream = connect_stream(&server.url, None, script).await.expect("the stream opens");
    assert!(stream.wait_until(WAIT, |log| log.script_finished_at.is_some()).await);
    let log = stream.log();
    assert!(log.script_timeouts.is_empty());
    let agent_starts = log.played.iter().position(|&s| s != 0).expect("agent audio played");
    let caller_starts = log.caller_sent.iter().position(|&s| s != 0).expect("the caller spoke");
    // 600 ms of agent audio, then 200 ms of quiet, on the shared frame timeline.
    let gap_ms = (caller_starts - agent_starts) / 8;
    assert!((780..=860).contains(&gap_ms), "the caller spoke {gap_ms} ms after the agent started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_server_messages_are_counted_not_fatal() {
    let raw = [
        "{not json",
        r#"{"event":"media","streamSid":"MZwrong","media":{"payload":"AAAA"}}"#,
        r#"{"event":"media","streamSid":"{sid}","media":{"payload":"***"}}"#,
        r#"{"event":"party","streamSid":"{sid}"}"#,
        r#"{"event":"mark","streamSid":"{sid}","mark":{"name":"after"}}"#,
    ];
    let server = WsServer::start(Behaviour::SendRaw(raw.iter().map(|s| (*s).to_owned()).collect()), None).await;
    let stream = connect_stream(&server.url, None, CallerScript::silent()).await.expect("the stream opens");
    assert!(stream.wait_until(WAIT, |log| !log.marks_echoed.is_empty()).await, "the valid mark was not echoed");
    let log = stream.log();
    assert_eq!(log.malformed, 4);
    assert_eq!(log.received.len(), 5);
    assert!(log.received[..4].iter().all(|r| r.error.is_some()));
    assert_eq!(log.media_bytes_received, 0);
    assert_eq!(stream.ended(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_without_the_right_signature_is_refused() {
    let server = WsServer::start(Behaviour::Passive, Some(TOKEN)).await;
    let refused = connect_stream(&server.url, None, CallerScript::silent()).await.expect_err("unsigned");
    assert_eq!(refused.status, 403);
    let wrong = Some(sign("other", &server.url, &[]));
    let refused = connect_stream(&server.url, wrong, CallerScript::silent()).await.expect_err("badly signed");
    assert_eq!(refused.status, 403);
    let right = Some(sign(TOKEN, &server.url, &[]));
    let stream = connect_stream(&server.url, right, CallerScript::silent().hangup()).await.expect("signed");
    assert_eq!(stream.wait_ended(WAIT).await, Some(StreamEnd::CallerHungUp));
    let unreachable = connect_stream("ws://127.0.0.1:1/x", None, CallerScript::silent()).await.expect_err("no server");
    assert_eq!(unreachable.status, 0);
}
