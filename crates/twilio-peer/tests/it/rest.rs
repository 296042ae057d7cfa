//! The REST API and status callbacks.

use crate::helpers::*;
use agentline_twilio_peer::{CallerScript, FakeTwilio, Outcome, StreamEnd};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn fake() -> FakeTwilio {
    FakeTwilio::start(ACCOUNT, TOKEN).await
}

fn create_params(to: &str, twiml: &str, callback: &str, events: &[&str]) -> Vec<(String, String)> {
    let mut params = pairs(&[("To", to), ("From", "+15550000000"), ("Twiml", twiml), ("StatusCallback", callback)]);
    params.extend(events.iter().map(|e| ("StatusCallbackEvent".to_owned(), (*e).to_owned())));
    params
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_get_twilios_401() {
    let fake = fake().await;
    let params = pairs(&[("To", "+15551112222"), ("From", "+15550000000"), ("Twiml", "<Response/>")]);
    let (status, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, "wrong", &params).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], 20003);
    assert_eq!(body["message"], "Authenticate");
    assert_eq!(body["more_info"], "https://www.twilio.com/docs/errors/20003");
    assert_eq!(body["status"], 401);
    let (status, _) = api_post(&calls_url(fake.base_url()), "ACother", TOKEN, &params).await;
    assert_eq!(status, 401);
    assert!(fake.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_parameters_get_twilios_400s() {
    let fake = fake().await;
    let url = calls_url(fake.base_url());
    let cases = [
        (pairs(&[("From", "+15550000000"), ("Twiml", "<Response/>")]), 21201, "No 'To' number is specified"),
        (pairs(&[("To", "+15551112222"), ("Twiml", "<Response/>")]), 21213, "No 'From' number is specified"),
        (pairs(&[("To", "+15551112222"), ("From", "+15550000000")]), 21205, "Url parameter is required."),
    ];
    for (params, code, message) in cases {
        let (status, body) = api_post(&url, ACCOUNT, TOKEN, &params).await;
        assert_eq!((status, &body["code"], &body["message"]), (400, &code.into(), &message.into()), "{body}");
        assert_eq!(body["status"], 400);
    }
    assert!(fake.calls().is_empty());
    assert_eq!(fake.api_requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_call_reports_its_progress_in_order_signed() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::Passive, Some(TOKEN)).await;
    let receiver = Receiver::start("").await;
    fake.script("+15551112222", Outcome::Answer(CallerScript::silent().silence(Duration::from_millis(300)).hangup()));
    let callback = format!("{}/status?leg=a", receiver.base);
    let events = ["initiated ringing", "answered", "completed"];
    let params = create_params("+15551112222", &stream_twiml(&server.url), &callback, &events);
    let (status, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((&body["status"], &body["direction"]), (&"queued".into(), &"outbound-api".into()));
    let sid = body["sid"].as_str().expect("a sid").to_owned();
    assert!(sid.starts_with("CA") && sid.len() == 34, "{sid}");
    assert_eq!(body["uri"], format!("/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json"));

    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.status, "completed");
    assert_eq!(call.params_named("StatusCallbackEvent"), events);
    let hits = receiver.hits();
    let statuses: Vec<&str> = hits.iter().filter_map(|h| param(&h.params, "CallStatus")).collect();
    assert_eq!(statuses, ["initiated", "ringing", "in-progress", "completed"]);
    for (n, hit) in hits.iter().enumerate() {
        assert!(hit.signed, "callback {n} is not signed right");
        assert_eq!(hit.path, "/status?leg=a");
        assert_eq!(param(&hit.params, "SequenceNumber"), Some(n.to_string().as_str()));
        assert_eq!(param(&hit.params, "CallSid"), Some(sid.as_str()));
        assert_eq!(param(&hit.params, "AccountSid"), Some(ACCOUNT));
        assert_eq!(param(&hit.params, "Direction"), Some("outbound-api"));
        assert_eq!(param(&hit.params, "CallbackSource"), Some("call-progress-events"));
        assert!(param(&hit.params, "Timestamp").is_some_and(|t| t.ends_with(" +0000")));
    }
    let last = &hits[3].params;
    assert_eq!(param(last, "CallDuration"), Some("1"));
    assert_eq!(param(last, "Duration"), Some("1"));
    assert!(call.callbacks.iter().all(|c| c.status == 204));
    // The caller hung up: `stop` went out and the stream says so.
    let stream = call.stream.expect("a stream");
    assert_eq!(stream.ended(), Some(StreamEnd::CallerHungUp));
    assert_eq!(server.log().events().last(), Some(&"stop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_no_answer_and_failed_calls_end_with_those_statuses() {
    let fake = fake().await;
    let receiver = Receiver::start("").await;
    fake.script("+15550000001", Outcome::Busy);
    fake.script("+15550000002", Outcome::NoAnswer);
    fake.script("+15550000003", Outcome::Failed { error_code: 32009 });
    let callback = format!("{}/status", receiver.base);
    let mut sids = Vec::new();
    for to in ["+15550000001", "+15550000002", "+15550000003"] {
        let mut params = create_params(to, "<Response/>", &callback, &[]);
        params.push(("Timeout".into(), "1".into()));
        let (status, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
        assert_eq!(status, 201, "{body}");
        sids.push(body["sid"].as_str().expect("sid").to_owned());
    }
    let mut finals = Vec::new();
    for sid in &sids {
        let call = fake.wait_for_end(sid, WAIT).await.expect("the call ends");
        // Only the final callback: no `StatusCallbackEvent` asked for more.
        assert_eq!(call.callbacks.len(), 1, "{:?}", call.callbacks);
        let callback = &call.callbacks[0];
        finals.push((
            callback.param("CallStatus").map(str::to_owned),
            callback.param("SipResponseCode").map(str::to_owned),
            callback.param("ErrorCode").map(str::to_owned),
        ));
        assert_eq!(callback.param("CallDuration"), Some("0"));
    }
    let owned = |s: &str| Some(s.to_owned());
    assert_eq!(finals[0], (owned("busy"), owned("486"), None));
    assert_eq!((&finals[1].0, &finals[1].2), (&owned("no-answer"), &None));
    assert_eq!(finals[2], (owned("failed"), owned("500"), owned("32009")));
    let no_answer = fake.call(&sids[1]).expect("call");
    let rang = no_answer.ended_at.and_then(|end| end.duration_since(no_answer.created_at).ok()).unwrap_or_default();
    assert!(rang >= Duration::from_secs(1), "no-answer after {rang:?}, not the 1 s Timeout");
    let failed = fake.call(&sids[2]).expect("call");
    assert!(!failed.status_history.iter().any(|s| s == "ringing"), "{:?}", failed.status_history);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_up_an_answered_call_over_rest_completes_it() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::Passive, None).await;
    let receiver = Receiver::start("").await;
    let params = create_params("+15551112222", &stream_twiml(&server.url), &format!("{}/status", receiver.base), &[]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_state(&sid, WAIT, |c| c.stream.is_some()).await.expect("the stream opens");
    assert_eq!(call.status, "in-progress");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, body) =
        api_post(&call_url(fake.base_url(), &sid), ACCOUNT, TOKEN, &pairs(&[("Status", "completed")])).await;
    assert_eq!((status, &body["status"]), (200, &"completed".into()), "{body}");
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.stream.as_ref().and_then(|s| s.ended()), Some(StreamEnd::CallEnded));
    assert_eq!(call.callback_statuses(), ["completed"]);
    assert_eq!(server.log().events().last(), Some(&"stop"));

    let (status, body) =
        api_post(&call_url(fake.base_url(), "CA0000"), ACCOUNT, TOKEN, &pairs(&[("Status", "completed")])).await;
    assert_eq!((status, &body["code"]), (404, &20404.into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_ringing_call_ends_it_canceled() {
    let fake = fake().await;
    let receiver = Receiver::start("").await;
    fake.script("+15551112222", Outcome::NoAnswer);
    let mut params = create_params("+15551112222", "<Response/>", &format!("{}/status", receiver.base), &["ringing"]);
    params.push(("Timeout".into(), "30".into()));
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    fake.wait_for_status(&sid, "ringing", WAIT).await.expect("it rings");

    let (status, body) =
        api_post(&call_url(fake.base_url(), &sid), ACCOUNT, TOKEN, &pairs(&[("Status", "canceled")])).await;
    assert_eq!((status, &body["status"]), (200, &"canceled".into()), "{body}");
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.callback_statuses(), ["ringing", "canceled"]);
    assert!(call.answered_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_an_answered_call_changes_nothing() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::Passive, None).await;
    let params = pairs(&[("To", "+15551112222"), ("From", "+15550000000"), ("Twiml", &stream_twiml(&server.url))]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    fake.wait_for_state(&sid, WAIT, |c| c.stream.is_some()).await.expect("the stream opens");
    let (status, body) =
        api_post(&call_url(fake.base_url(), &sid), ACCOUNT, TOKEN, &pairs(&[("Status", "canceled")])).await;
    assert_eq!((status, &body["status"]), (200, &"in-progress".into()), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_create_fails_as_scripted() {
    let fake = fake().await;
    let message = "The number +15559999999 is unverified.".to_owned();
    fake.script("+15559999999", Outcome::Reject { status: 400, code: 21219, message: message.clone() });
    let params = pairs(&[("To", "+15559999999"), ("From", "+15550000000"), ("Twiml", "<Response/>")]);
    let (status, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    assert_eq!((status, &body["code"], &body["message"]), (400, &21219.into(), &message.into()));
    assert!(fake.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twiml_from_a_url_is_fetched_with_a_signed_request() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::Passive, Some(TOKEN)).await;
    let receiver = Receiver::start(&stream_twiml(&server.url)).await;
    let url = format!("{}/voice/outbound?x=1", receiver.base);
    let params = pairs(&[("To", "+15551112222"), ("From", "+15550000000"), ("Url", &url)]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_state(&sid, WAIT, |c| c.stream.is_some()).await.expect("the stream opens");
    let fetch = &receiver.hits()[0];
    assert!(fetch.signed);
    assert_eq!(param(&fetch.params, "CallStatus"), Some("in-progress"));
    assert_eq!(param(&fetch.params, "CallSid"), Some(sid.as_str()));
    assert!(call.stream.is_some());
    assert!(eventually(WAIT, || server.log().first("start").is_some()).await);
    let start = server.log().first("start").map(|(_, m)| m.clone()).expect("start");
    assert_eq!(start["start"]["callSid"], sid);
    assert_eq!(start["start"]["customParameters"]["call_id"], "call_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_limit_ends_the_call() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::Passive, None).await;
    let params = pairs(&[
        ("To", "+15551112222"),
        ("From", "+15550000000"),
        ("Twiml", &stream_twiml(&server.url)),
        ("TimeLimit", "1"),
    ]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.status, "completed");
    assert_eq!(call.duration_secs, Some(1));
    let stream = call.stream.expect("stream");
    assert_eq!(stream.ended(), Some(StreamEnd::CallEnded));
    let talked = stream.log().ended.map(|(_, at)| at).unwrap_or_default();
    assert!(talked >= Duration::from_millis(900) && talked < Duration::from_millis(1500), "{talked:?}");
    assert_eq!(server.log().events().last(), Some(&"stop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_closing_the_stream_completes_the_call() {
    let fake = fake().await;
    let server = WsServer::start(Behaviour::CloseAfter(Duration::from_millis(300)), None).await;
    let receiver = Receiver::start("").await;
    let params = create_params("+15551112222", &stream_twiml(&server.url), &format!("{}/status", receiver.base), &[]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.callback_statuses(), ["completed"]);
    assert_eq!(call.stream.and_then(|s| s.ended()), Some(StreamEnd::ServerClosed));
    assert!(!server.log().events().contains(&"stop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stream_ends_the_call() {
    let fake = FakeTwilio::start(ACCOUNT, "another-token").await;
    let server = WsServer::start(Behaviour::Passive, Some(TOKEN)).await;
    let params = pairs(&[("To", "+15551112222"), ("From", "+15550000000"), ("Twiml", &stream_twiml(&server.url))]);
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, "another-token", &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.status, "completed");
    assert_eq!(call.stream_refused.map(|r| r.status), Some(403));
    assert!(call.stream.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_callbacks_carry_their_parameters_in_the_signed_url() {
    let fake = fake().await;
    let receiver = Receiver::start("").await;
    let mut params = create_params("+15551112222", "<Response/>", &format!("{}/status", receiver.base), &[]);
    params.push(("StatusCallbackMethod".into(), "GET".into()));
    let (_, body) = api_post(&calls_url(fake.base_url()), ACCOUNT, TOKEN, &params).await;
    let sid = body["sid"].as_str().expect("sid").to_owned();
    let call = fake.wait_for_end(&sid, WAIT).await.expect("the call ends");
    assert_eq!(call.callbacks[0].method, "GET");
    let hit = &receiver.hits()[0];
    assert!(hit.signed && hit.params.is_empty());
    assert!(hit.path.starts_with("/status?AccountSid="), "{}", hit.path);
    assert!(hit.path.contains("&CallStatus=completed&"), "{}", hit.path);
}
