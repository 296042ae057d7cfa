//! The webhook brain: the customer's server answers each caller turn.
//!
//! Each turn is a POST of `{"type":"call.turn","call_id","turn","transcript","variables","metadata"}` signed with
//! Standard Webhooks headers. A 2xx JSON answer `{"say"?, "end_call"?, "transfer_to"?, "dtmf"?}` is said and
//! acted on; a `text/plain` answer is said as it is. Anything else is reported as [`BrainEvent::Degraded`]
//! followed by the fallback phrase, so the caller never hears dead air.
//!
//! [`BrainEvent::Degraded`]: crate::BrainEvent::Degraded

use crate::emit::{Speaker, generate};
use crate::http::{Answer, SignedPost, first_chars};
use crate::tools::{check_dtmf, check_number};
use crate::{Action, Brain, BrainStream, CallContext, Message, Providers, Role};
use agentline_domain::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Said when the server is slow or fails and the brain has no fallback phrase of its own.
pub const DEFAULT_FALLBACK: &str = "Sorry, give me a moment.";

/// The most of an answer that is read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Asks the customer's server what to say.
#[derive(Clone, Debug)]
pub struct WebhookBrain {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    url: String,
    timeout: Duration,
    fallback: String,
    context: CallContext,
    secret: Option<SecretString>,
    http: reqwest::Client,
}

/// The body of each turn's POST.
#[derive(Serialize)]
struct Turn<'a> {
    r#type: &'static str,
    call_id: &'a str,
    turn: usize,
    transcript: Vec<Line<'a>>,
    variables: &'a serde_json::Map<String, serde_json::Value>,
    metadata: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Line<'a> {
    role: Role,
    text: &'a str,
}

/// A webhook's JSON answer: what to say, and what to do.
#[derive(Debug, Default, Deserialize)]
pub struct Reply {
    say: Option<String>,
    end_call: Option<bool>,
    transfer_to: Option<String>,
    dtmf: Option<String>,
}

impl WebhookBrain {
    pub fn new(
        url: &str,
        timeout: Duration,
        fallback_phrase: Option<&str>,
        context: CallContext,
        providers: &Providers,
    ) -> Self {
        let shared = Shared {
            url: url.to_owned(),
            timeout,
            fallback: fallback_phrase.unwrap_or(DEFAULT_FALLBACK).to_owned(),
            context,
            secret: providers.webhook_secret.clone(),
            http: providers.http.clone(),
        };
        Self { shared: Arc::new(shared) }
    }
}

impl Brain for WebhookBrain {
    fn reply(&mut self, transcript: &[Message]) -> BrainStream {
        let shared = self.shared.clone();
        let body = turn_body(&shared.context, transcript);
        generate(move |mut speaker| async move {
            match shared.ask(body).await.and_then(parse_answer) {
                Ok(reply) => perform(&mut speaker, reply),
                Err(what) => speaker.degrade(format!("webhook brain: {what}"), &shared.fallback),
            }
        })
    }

    fn fixed_phrases(&self) -> Vec<String> {
        vec![self.shared.fallback.clone()]
    }
}

impl Shared {
    async fn ask(&self, body: Vec<u8>) -> Result<Answer, String> {
        let post = SignedPost {
            http: &self.http,
            secret: self.secret.as_ref(),
            call_id: &self.context.call_id,
            url: &self.url,
            timeout: self.timeout,
            max_body_bytes: MAX_ANSWER_BYTES,
        };
        post.send(body).await.map_err(|e| e.to_string())
    }
}

fn turn_body(context: &CallContext, transcript: &[Message]) -> Vec<u8> {
    let turn = Turn {
        r#type: "call.turn",
        call_id: &context.call_id,
        turn: transcript.iter().filter(|m| m.role == Role::Caller).count(),
        transcript: transcript.iter().map(|m| Line { role: m.role, text: &m.text }).collect(),
        variables: &context.variables,
        metadata: &context.metadata,
    };
    serde_json::to_vec(&turn).expect("a turn always serialises")
}

fn parse_answer(answer: Answer) -> Result<Reply, String> {
    if !answer.status.is_success() {
        return Err(format!("HTTP {}: {}", answer.status, first_chars(answer.body.trim(), 200)));
    }
    if answer.content_type.starts_with("text/plain") {
        return Ok(Reply { say: Some(answer.body), ..Reply::default() });
    }
    parse_reply(&answer.body)
}

/// A webhook's JSON answer, checked: `transfer_to` a phone number, `dtmf` keys that can be sent.
pub fn parse_reply(body: &str) -> Result<Reply, String> {
    let mut reply: Reply =
        serde_json::from_str(body).map_err(|e| format!("the answer is not the expected JSON ({e})"))?;
    reply.transfer_to =
        reply.transfer_to.map(|to| check_number(&to)).transpose().map_err(|e| format!("transfer_to: {e}"))?;
    reply.dtmf = reply.dtmf.map(|d| check_dtmf(&d)).transpose().map_err(|e| format!("dtmf: {e}"))?;
    Ok(reply)
}

fn perform(speaker: &mut Speaker, reply: Reply) {
    if let Some(text) = &reply.say {
        speaker.text_whole(text);
    }
    if let Some(digits) = reply.dtmf {
        speaker.act(Action::SendDtmf { digits });
    }
    if let Some(to) = reply.transfer_to {
        speaker.act(Action::Transfer { to });
    }
    if reply.end_call == Some(true) {
        speaker.act(Action::EndCall);
    }
}
