//! Inbound calls: someone dials agentline's number. Twilio posts the signed voice webhook, runs
//! the TwiML it gets back (`<Reject>` leaves the call unanswered; `<Connect><Stream>` answers it
//! and opens the media stream), and the call goes on until the stream or a REST update ends it.

use crate::callbacks::{CallInfo, CallbackConfig};
use crate::calls::CallSnapshot;
use crate::lifecycle::{Call, Ending};
use crate::script::CallerScript;
use crate::signature::sign;
use crate::state::Inner;
use crate::stream::MediaStream;
use crate::twiml::{self, Twiml};
use crate::webhook;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Twilio's longest call: four hours.
const MAX_CALL: Duration = Duration::from_secs(4 * 3600);

/// An inbound call, as the voice webhook left it.
#[derive(Clone, Debug)]
pub struct IncomingCall {
    pub call_sid: String,
    /// The voice webhook's HTTP status; 0 when agentline could not be reached.
    pub status: u16,
    pub body: String,
    /// The body read as TwiML, when it was.
    pub twiml: Option<Twiml>,
    /// The media stream `<Connect><Stream>` opened.
    pub stream: Option<MediaStream>,
}

/// Which `X-Twilio-Signature` the voice webhook carries.
pub(crate) enum Signing {
    /// The right one.
    Proper,
    /// This one (none: no header), for tests of refusals.
    Given(Option<String>),
}

/// Places an inbound call: posts the voice webhook to `voice_url` and runs what it answers.
pub(crate) async fn place(
    inner: Arc<Inner>,
    voice_url: &str,
    from: &str,
    to: &str,
    script: CallerScript,
    signing: Signing,
) -> IncomingCall {
    let info =
        CallInfo { sid: crate::sid::new_sid("CA"), from: from.to_owned(), to: to.to_owned(), direction: "inbound" };
    let params = info.params(&inner.account_sid, "ringing");
    let (updates, receiver) = mpsc::unbounded_channel();
    inner.calls.insert(CallSnapshot::new(info.sid.clone(), info.direction, from, to, params.clone()), updates);
    // Status callbacks of inbound calls are set on the phone number, which this stand-in lacks.
    let mut call = Call::new(Arc::clone(&inner), info, CallbackConfig::default(), receiver);
    call.set_status("ringing", None);
    let signature = match signing {
        Signing::Proper => Some(sign(&inner.auth_token, voice_url, &params)),
        Signing::Given(signature) => signature,
    };
    let answer = webhook::send(&inner.client, voice_url, Some(&params), signature).await;
    let mut incoming = IncomingCall {
        call_sid: call.sid().to_owned(),
        status: answer.status,
        body: answer.body,
        twiml: None,
        stream: None,
    };
    if !(200..300).contains(&answer.status) {
        let why = answer.error.unwrap_or_else(|| format!("HTTP {}", answer.status));
        inner.calls.note(call.sid(), format!("voice webhook {voice_url} failed (Twilio error 11200): {why}"));
        // The caller hears "an application error has occurred": answered, then hung up.
        call.answer();
        call.end(Ending::completed(None)).await;
        return incoming;
    }
    incoming.twiml = twiml::parse(&incoming.body).ok();
    incoming.stream = run(call, &incoming, script).await;
    incoming
}

/// Runs the webhook's TwiML; the stream, when one opened, runs on in its own task.
async fn run(mut call: Call, incoming: &IncomingCall, script: CallerScript) -> Option<MediaStream> {
    call.record_twiml(&incoming.body);
    // Only a `<Reject>` before anything else leaves the call unanswered.
    if let Some(reason) = incoming.twiml.as_ref().filter(|t| t.verbs.first().is_some_and(|v| v == "Reject")) {
        let busy = reason.reject.as_deref() == Some("busy");
        let ending = if busy { Ending::unanswered("busy", 486) } else { Ending::unanswered("no-answer", 603) };
        call.end(ending).await;
        return None;
    }
    call.answer();
    let Some(stream) = call.open_stream(&incoming.body, script).await else {
        call.end(Ending::completed(None)).await;
        return None;
    };
    let talking = stream.clone();
    tokio::spawn(async move {
        let ending = call.talk(talking, MAX_CALL).await;
        call.end(ending).await;
    });
    Some(stream)
}
