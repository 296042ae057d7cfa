//! Inbound calls: the signed voice webhook and the call its TwiML sets up.

use crate::helpers::*;
use agentline_twilio_peer::{CallerScript, FakeTwilio, StreamEnd};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_voice_webhook_is_signed_and_its_stream_runs() {
    let fake = FakeTwilio::start(ACCOUNT, TOKEN).await;
    let server = WsServer::start(Behaviour::Passive, Some(TOKEN)).await;
    let receiver = Receiver::start(&stream_twiml(&server.url)).await;
    let voice_url = format!("{}/voice/inbound", receiver.base);
    let script = CallerScript::silent().say(tone(Duration::from_millis(200))).hangup();
    let incoming = fake.incoming_call(&voice_url, "+15553334444", "+15550000000", script).await;
    assert_eq!(incoming.status, 200, "{}", incoming.body);
    assert!(incoming.twiml.as_ref().is_some_and(|t| t.stream.is_some()));
    let stream = incoming.stream.expect("a stream");
    assert_eq!(stream.wait_ended(WAIT).await, Some(StreamEnd::CallerHungUp));

    let hit = &receiver.hits()[0];
    assert!(hit.signed);
    for (name, value) in [
        ("AccountSid", ACCOUNT),
        ("CallSid", incoming.call_sid.as_str()),
        ("From", "+15553334444"),
        ("Caller", "+15553334444"),
        ("To", "+15550000000"),
        ("Called", "+15550000000"),
        ("Direction", "inbound"),
        ("CallStatus", "ringing"),
        ("ApiVersion", "2010-04-01"),
    ] {
        assert_eq!(param(&hit.params, name), Some(value), "{name}");
    }
    let call = fake.wait_for_end(&incoming.call_sid, WAIT).await.expect("the call ends");
    assert_eq!(call.direction, "inbound");
    assert_eq!(call.status_history, ["ringing", "in-progress", "completed"]);
    let start = server.log().first("start").map(|(_, m)| m.clone()).expect("start");
    assert_eq!(start["start"]["callSid"], incoming.call_sid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_webhook_is_refused() {
    let fake = FakeTwilio::start(ACCOUNT, TOKEN).await;
    let receiver = Receiver::start("<Response/>").await;
    let voice_url = format!("{}/voice/inbound", receiver.base);
    for signature in [None, Some("bogus".to_owned()), Some(fake.sign(&voice_url, &[]))] {
        let incoming = fake
            .incoming_call_signed_with(&voice_url, "+15553334444", "+15550000000", CallerScript::silent(), signature)
            .await;
        assert_eq!(incoming.status, 403);
        assert!(incoming.stream.is_none());
    }
    assert!(receiver.hits().iter().all(|hit| !hit.signed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_leaves_the_call_unanswered() {
    let fake = FakeTwilio::start(ACCOUNT, TOKEN).await;
    let receiver = Receiver::start(r#"<?xml version="1.0"?><Response><Reject reason="busy"/></Response>"#).await;
    let voice_url = format!("{}/voice/inbound", receiver.base);
    let incoming = fake.incoming_call(&voice_url, "+15553334444", "+15550000000", CallerScript::silent()).await;
    assert_eq!(incoming.twiml.and_then(|t| t.reject).as_deref(), Some("busy"));
    let call = fake.wait_for_end(&incoming.call_sid, WAIT).await.expect("the call ends");
    assert_eq!(call.status, "busy");
    assert!(call.answered_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agentline_can_hang_up_an_inbound_call_over_rest() {
    let fake = FakeTwilio::start(ACCOUNT, TOKEN).await;
    let server = WsServer::start(Behaviour::Passive, None).await;
    let receiver = Receiver::start(&stream_twiml(&server.url)).await;
    let voice_url = format!("{}/voice/inbound", receiver.base);
    let incoming = fake.incoming_call(&voice_url, "+15553334444", "+15550000000", CallerScript::silent()).await;
    let url = call_url(fake.base_url(), &incoming.call_sid);
    let (status, body) = api_post(&url, ACCOUNT, TOKEN, &pairs(&[("Status", "completed")])).await;
    assert_eq!((status, &body["status"], &body["direction"]), (200, &"completed".into(), &"inbound".into()));
    let stream = incoming.stream.expect("a stream");
    assert_eq!(stream.ended(), Some(StreamEnd::CallEnded));
}
