//! A call's life on Twilio's side: ringing, the scripted outcome, answering by running TwiML
//! (`<Connect><Stream>` opens a media stream), and the end, however it comes (the caller or the
//! server hangs up, agentline asks over REST, `TimeLimit`).

use crate::callbacks::{CallInfo, CallbackConfig, Event, FinalReport, StatusCallbacks};
use crate::calls::{Requested, Update};
use crate::script::CallerScript;
use crate::signature::sign;
use crate::state::{Inner, Outcome};
use crate::stream::{MediaStream, StreamIdentity, connect_stream_as};
use crate::twiml;
use crate::webhook::{self, Method};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// How long an outbound call waits in `queued` before Twilio starts dialing (so the create
/// request's answer usually reaches agentline before the first callback does).
const QUEUED_FOR: Duration = Duration::from_millis(50);
/// How long the phone rings before a scripted answer or busy signal.
const RINGS_FOR: Duration = Duration::from_millis(200);
/// How long a call redirected to `<Dial>` goes on (the person it dialled talking) before it completes.
const DIALLED_TALKS_FOR: Duration = Duration::from_secs(1);
/// How long the stream gets to close once Twilio ends the call.
const STREAM_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Where an outbound call's TwiML comes from.
#[derive(Clone, Debug)]
pub(crate) enum TwimlSource {
    /// The `Twiml` parameter.
    Inline(String),
    /// Fetched from the `Url` parameter, with `Method`, when the call is answered.
    Fetch { url: String, method: Method },
}

/// An outbound call as the create request set it up.
pub(crate) struct Dial {
    pub(crate) twiml: TwimlSource,
    /// `Timeout`: how long to ring before giving up.
    pub(crate) ring_timeout: Duration,
    /// `TimeLimit`: the longest the call may last once answered.
    pub(crate) time_limit: Duration,
}

/// How a call ends.
pub(crate) struct Ending {
    status: &'static str,
    sip_response_code: Option<u16>,
    error_code: Option<u32>,
    /// The REST update that ended the call, answered once the status has changed.
    ack: Option<oneshot::Sender<()>>,
}

impl Ending {
    pub(crate) fn completed(ack: Option<oneshot::Sender<()>>) -> Self {
        Self { status: "completed", sip_response_code: Some(200), error_code: None, ack }
    }

    pub(crate) fn unanswered(status: &'static str, sip_response_code: u16) -> Self {
        Self { status, sip_response_code: Some(sip_response_code), error_code: None, ack: None }
    }
}

/// A call in progress, driven by its own task.
pub(crate) struct Call {
    inner: Arc<Inner>,
    info: CallInfo,
    callbacks: StatusCallbacks,
    updates: mpsc::UnboundedReceiver<Update>,
    answered: Option<Instant>,
}

impl Call {
    pub(crate) fn new(
        inner: Arc<Inner>,
        info: CallInfo,
        callbacks: CallbackConfig,
        updates: mpsc::UnboundedReceiver<Update>,
    ) -> Self {
        let callbacks = StatusCallbacks::start(Arc::clone(&inner), info.clone(), callbacks);
        Self { inner, info, callbacks, updates, answered: None }
    }

    pub(crate) fn sid(&self) -> &str {
        &self.info.sid
    }

    /// Runs an outbound call to its end.
    pub(crate) async fn dial(mut self, dial: Dial, outcome: Outcome) {
        sleep(QUEUED_FOR).await;
        self.set_status("initiated", Some(Event::Initiated));
        let ending = self.dial_outcome(&dial, outcome).await;
        self.end(ending).await;
    }

    async fn dial_outcome(&mut self, dial: &Dial, outcome: Outcome) -> Ending {
        let ring = match &outcome {
            Outcome::Failed { error_code } => {
                return Ending {
                    status: "failed",
                    sip_response_code: Some(500),
                    error_code: Some(*error_code),
                    ack: None,
                };
            }
            Outcome::NoAnswer => dial.ring_timeout,
            _ => RINGS_FOR,
        };
        self.set_status("ringing", Some(Event::Ringing));
        if let Some(update) = self.ring_for(ring).await {
            // Hanging up an unanswered call, with either status, cancels it.
            return Ending {
                status: "canceled",
                sip_response_code: Some(487),
                error_code: None,
                ack: Some(update.done),
            };
        }
        match outcome {
            Outcome::Answer(script) => self.answer_outbound(dial, script).await,
            Outcome::Busy => Ending::unanswered("busy", 486),
            Outcome::NoAnswer => Ending::unanswered("no-answer", 487),
            // Failed returned above; a rejected create never made a call.
            Outcome::Failed { .. } | Outcome::Reject { .. } => Ending::unanswered("failed", 500),
        }
    }

    /// Rings for `duration`, or until agentline hangs up.
    async fn ring_for(&mut self, duration: Duration) -> Option<Update> {
        tokio::select! {
            () = sleep(duration) => None,
            update = next_update(&mut self.updates) => Some(update),
        }
    }

    async fn answer_outbound(&mut self, dial: &Dial, script: CallerScript) -> Ending {
        self.answer();
        match self.outbound_twiml(&dial.twiml).await {
            Some(text) => self.run_twiml(&text, script, dial.time_limit).await,
            // Twilio would say "an application error has occurred" and hang up.
            None => Ending::completed(None),
        }
    }

    /// The call's TwiML; fetching it signs a request with the call's parameters.
    async fn outbound_twiml(&self, source: &TwimlSource) -> Option<String> {
        let (url, method) = match source {
            TwimlSource::Inline(text) => return Some(text.clone()),
            TwimlSource::Fetch { url, method } => (url, *method),
        };
        let params = self.info.params(&self.inner.account_sid, "in-progress");
        let sent = webhook::send_signed(&self.inner.client, &self.inner.auth_token, method, url, &params).await;
        if (200..300).contains(&sent.answer.status) {
            return Some(sent.answer.body);
        }
        let why = sent.answer.error.unwrap_or_else(|| format!("HTTP {}", sent.answer.status));
        self.inner.calls.note(self.sid(), format!("fetching TwiML from {url} failed (Twilio error 11200): {why}"));
        None
    }

    /// Answers the call: `in-progress`, and the `answered` callback.
    pub(crate) fn answer(&mut self) {
        self.answered = Some(Instant::now());
        self.inner.calls.update(self.sid(), |call| call.answered_at = Some(SystemTime::now()));
        self.set_status("in-progress", Some(Event::Answered));
    }

    /// Runs an answered call's TwiML until the call ends.
    async fn run_twiml(&mut self, text: &str, script: CallerScript, time_limit: Duration) -> Ending {
        match self.open_stream(text, script).await {
            Some(stream) => self.talk(stream, time_limit).await,
            // Nothing to connect: the verbs run (instantly, here) and the call hangs up.
            None => Ending::completed(None),
        }
    }

    /// Keeps the TwiML the call runs, for tests to read.
    pub(crate) fn record_twiml(&self, text: &str) {
        self.inner.calls.update(self.sid(), |call| call.twiml = Some(text.to_owned()));
    }

    /// Opens the media stream of the TwiML's `<Connect><Stream>`, signed like Twilio signs it.
    pub(crate) async fn open_stream(&self, text: &str, script: CallerScript) -> Option<MediaStream> {
        self.record_twiml(text);
        let twiml = match twiml::parse(text) {
            Ok(twiml) => twiml,
            Err(error) => {
                self.inner.calls.note(self.sid(), format!("{error} (Twilio error 12100)"));
                return None;
            }
        };
        let target = twiml.stream?;
        let identity = StreamIdentity {
            account_sid: self.inner.account_sid.clone(),
            call_sid: self.info.sid.clone(),
            custom_parameters: target.parameters,
        };
        let signature = sign(&self.inner.auth_token, &target.url, &[]);
        match connect_stream_as(&target.url, Some(signature), identity, script).await {
            Ok(stream) => {
                self.inner.calls.update(self.sid(), |call| call.stream = Some(stream.clone()));
                Some(stream)
            }
            Err(refused) => {
                self.inner
                    .calls
                    .note(self.sid(), format!("stream to {} failed (Twilio error 31920): {refused}", target.url));
                self.inner.calls.update(self.sid(), |call| call.stream_refused = Some(refused));
                None
            }
        }
    }

    /// The answered call with its stream open: until the stream closes, agentline hangs up over
    /// REST, or the time limit passes.
    pub(crate) async fn talk(&mut self, stream: MediaStream, time_limit: Duration) -> Ending {
        let deadline = self.answered.unwrap_or_else(Instant::now) + time_limit;
        loop {
            tokio::select! {
                _ = stream.until_ended() => return Ending::completed(None),
                () = sleep_until(deadline) => {
                    end_stream(&stream).await;
                    return Ending::completed(None);
                }
                update = next_update(&mut self.updates) => match update.requested {
                    Requested::Completed => {
                        end_stream(&stream).await;
                        return Ending::completed(Some(update.done));
                    }
                    // `canceled` only hangs up calls not yet answered; this one goes on.
                    Requested::Canceled => {
                        let _ = update.done.send(());
                    }
                    // The call leaves the stream for the new TwiML (a `<Dial>`): the stream stops, the
                    // call goes on with the person dialled, then completes.
                    Requested::Redirect(text) => {
                        let urls = twiml::parse(&text).map(|t| t.number_urls).unwrap_or_default();
                        self.inner.calls.update(self.sid(), |call| call.redirects.push(text));
                        let _ = update.done.send(());
                        end_stream(&stream).await;
                        for url in urls {
                            self.whisper(&url).await;
                        }
                        sleep(DIALLED_TALKS_FOR).await;
                        return Ending::completed(None);
                    }
                },
            }
        }
    }

    /// The person a `<Dial>` reached answers: Twilio fetches the `<Number url>`'s TwiML (signed,
    /// like every webhook) and plays it to them.
    async fn whisper(&self, url: &str) {
        let params = self.info.params(&self.inner.account_sid, "in-progress");
        let sent = webhook::send_signed(&self.inner.client, &self.inner.auth_token, Method::Post, url, &params).await;
        if (200..300).contains(&sent.answer.status) {
            self.inner.calls.update(self.sid(), |call| call.whispers.push(sent.answer.body));
        } else {
            let why = sent.answer.error.unwrap_or_else(|| format!("HTTP {}", sent.answer.status));
            self.inner
                .calls
                .note(self.sid(), format!("fetching the <Number url> {url} failed (Twilio error 11200): {why}"));
        }
    }

    /// Records the final status, answers the update that caused it, sends the final callback and
    /// waits for every callback to be answered.
    pub(crate) async fn end(mut self, ending: Ending) {
        let duration_secs = self.answered.map_or(0, |at| talk_seconds(at.elapsed()));
        self.inner.calls.update(self.sid(), |call| {
            call.ended_at = Some(SystemTime::now());
            call.duration_secs = Some(duration_secs);
        });
        self.inner.calls.set_status(self.sid(), ending.status);
        if let Some(ack) = ending.ack {
            let _ = ack.send(());
        }
        self.refuse_updates();
        let report = FinalReport {
            status: ending.status,
            duration_secs,
            sip_response_code: ending.sip_response_code,
            error_code: ending.error_code,
        };
        let inner = Arc::clone(&self.inner);
        let sid = self.info.sid.clone();
        self.callbacks.finish(&report).await;
        inner.calls.update(&sid, |call| call.finished = true);
    }

    /// The call is over: updates from now on change nothing, and those already waiting are
    /// answered (so agentline's request returns the final state instead of hanging).
    fn refuse_updates(&mut self) {
        self.updates.close();
        while let Ok(update) = self.updates.try_recv() {
            let _ = update.done.send(());
        }
    }

    pub(crate) fn set_status(&mut self, status: &str, event: Option<Event>) {
        self.inner.calls.set_status(self.sid(), status);
        if let Some(event) = event {
            self.callbacks.progress(event, status);
        }
    }
}

/// An answered call's duration in whole seconds: rounded to the nearest, and at least 1 (a
/// `TimeLimit` of 1 s reports 1, not the 2 that rounding the few milliseconds of closing up would).
fn talk_seconds(talked: Duration) -> u64 {
    (talked.as_millis() as u64 + 500).div_euclid(1000).max(1)
}

/// Twilio ends the call: `stop` and close the stream, and wait (a while) for it to close.
async fn end_stream(stream: &MediaStream) {
    stream.end_call();
    let _ = timeout(STREAM_CLOSE_WAIT, stream.until_ended()).await;
}

/// The next REST update for the call; never, once none can come.
async fn next_update(updates: &mut mpsc::UnboundedReceiver<Update>) -> Update {
    match updates.recv().await {
        Some(update) => update,
        None => std::future::pending().await,
    }
}
