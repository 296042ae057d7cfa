//! What an agent says next. A [`Brain`] turns the conversation so far into a stream of [`BrainEvent`]s:
//! sentences to speak as soon as each is complete, actions on the call, tool calls and failures.
//!
//! Three kinds, chosen by the agent's stored settings ([`agentline_domain::brain::Brain`]) through [`build`]:
//!
//! - [`ScriptBrain`]: keyword branches, deterministic, no network.
//! - [`LlmBrain`]: any OpenAI-compatible chat-completions endpoint, streamed, with built-in call-control tools
//!   (`end_call`, `transfer_call`, `send_dtmf`) and the agent's own HTTP tools.
//! - [`WebhookBrain`]: the customer's server answers each caller turn, signed with Standard Webhooks headers.
//!
//! Failures never leave the caller in silence: a brain reports [`BrainEvent::Degraded`] and then says a fallback
//! phrase (unless part of the reply was already spoken). Dropping a [`BrainStream`] cancels its requests.

pub mod chat;
mod completion;
mod emit;
mod http;
pub mod llm;
pub mod script;
pub mod sentences;
pub mod sse;
mod stand_in;
mod tools;
pub mod webhook;

pub use llm::{LlmBrain, LlmConfig};
pub use script::ScriptBrain;
pub use stand_in::StandInBrain;
pub use webhook::WebhookBrain;

use agentline_domain::SecretString;
use agentline_domain::brain::Brain as Settings;
use serde::Serialize;
use serde_json::{Map, Value};

/// Who said a line of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Caller,
    Agent,
}

/// One line of the conversation. Agent turns arrive already truncated to what the caller heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub text: String,
}

impl Message {
    pub fn caller(text: impl Into<String>) -> Self {
        Self { role: Role::Caller, text: text.into() }
    }

    pub fn agent(text: impl Into<String>) -> Self {
        Self { role: Role::Agent, text: text.into() }
    }
}

/// Something the brain wants done to the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    EndCall,
    /// Transfer to an E.164 number.
    Transfer {
        to: String,
    },
    /// Send touch tones: `0-9`, `*`, `#`, `A-D`.
    SendDtmf {
        digits: String,
    },
}

/// What a brain produces while it replies.
#[derive(Clone, Debug, PartialEq)]
pub enum BrainEvent {
    /// One sentence to speak, emitted as soon as it is complete (so TTS starts before the reply ends).
    Say(String),
    Act(Action),
    /// A user-defined HTTP tool was called.
    ToolCalled {
        name: String,
        ok: bool,
        detail: String,
    },
    /// Something failed (timeout, HTTP error, bad response, disconnect); a fallback phrase follows as `Say`
    /// unless part of the reply was already said. The text says what failed.
    Degraded(String),
}

/// A reply in progress.
pub type BrainStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = BrainEvent> + Send>>;

/// Decides what the agent says next.
pub trait Brain: Send {
    /// The next reply to the conversation so far (the last message is usually the caller's). Dropping the stream
    /// cancels in-flight requests (barge-in). The stream ends when the reply is complete. Never ends with nothing
    /// said unless the brain decided to say nothing: on failure it yields `Degraded` then `Say(fallback)`.
    fn reply(&mut self, transcript: &[Message]) -> BrainStream;
    /// Phrases this brain may say word for word (a script's replies, a fallback): the voice can prepare
    /// them while the phone rings, so saying them starts at once.
    fn fixed_phrases(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What a brain knows about the call it serves.
#[derive(Clone, Debug, Default)]
pub struct CallContext {
    pub call_id: String,
    /// The system prompt, already rendered with the call's variables.
    pub instructions: String,
    pub variables: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

/// Credentials and the HTTP client brains use.
#[derive(Clone, Debug)]
pub struct Providers {
    /// Sent as `Authorization: Bearer …` to the LLM endpoint when set.
    pub llm_api_key: Option<SecretString>,
    /// A `whsec_…` secret that signs webhook-brain and HTTP-tool requests (Standard Webhooks).
    pub webhook_secret: Option<SecretString>,
    /// Used for every request. Give it no overall timeout shorter than a spoken reply (brains keep their own
    /// deadlines); HTTPS needs a rustls crypto provider installed in the process.
    pub http: reqwest::Client,
}

/// Builds the brain an agent's settings describe.
pub fn build(settings: &Settings, context: CallContext, providers: &Providers) -> Box<dyn Brain> {
    match settings {
        Settings::Script { branches, fallback, goodbye, max_turns } => {
            Box::new(ScriptBrain::new(branches, fallback.as_deref(), goodbye.as_deref(), *max_turns))
        }
        Settings::Llm { base_url, model, temperature, max_tokens, tools, first_token_timeout_ms, fallback_phrase } => {
            let config = LlmConfig {
                base_url: base_url.clone(),
                model: model.clone(),
                temperature: *temperature,
                max_tokens: *max_tokens,
                tools: tools.clone(),
                first_token_timeout: millis(*first_token_timeout_ms),
                fallback_phrase: fallback_phrase.clone(),
            };
            Box::new(LlmBrain::new(config, context, providers))
        }
        Settings::StandIn { reply, delay_ms } => {
            Box::new(StandInBrain { reply: reply.clone(), delay: millis(*delay_ms) })
        }
        Settings::Webhook { url, timeout_ms, fallback_phrase } => {
            Box::new(WebhookBrain::new(url, millis(*timeout_ms), fallback_phrase.as_deref(), context, providers))
        }
    }
}

fn millis(ms: u32) -> std::time::Duration {
    std::time::Duration::from_millis(ms.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[tokio::test]
    async fn builds_a_stand_in_brain_that_answers_after_its_delay() {
        let settings: Settings =
            serde_json::from_value(serde_json::json!({"type": "stand_in", "reply": "Sure.", "delay_ms": 120})).unwrap();
        let mut brain = build(&settings, CallContext::default(), &providers());
        let started = std::time::Instant::now();
        let events: Vec<BrainEvent> = brain.reply(&[Message::caller("anything")]).collect().await;
        assert!(started.elapsed() >= std::time::Duration::from_millis(120));
        assert_eq!(events, vec![BrainEvent::Say("Sure.".into())]);
    }

    #[tokio::test]
    async fn builds_a_script_brain_from_stored_settings() {
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "type": "script",
            "branches": [{"keywords": ["bye"], "reply": "Goodbye!", "end_call": true}],
        }))
        .unwrap();
        let mut brain = build(&settings, CallContext::default(), &providers());
        let events: Vec<_> = brain.reply(&[Message::caller("OK, bye then")]).collect().await;
        assert_eq!(events, [BrainEvent::Say("Goodbye!".into()), BrainEvent::Act(Action::EndCall)]);
    }

    fn providers() -> Providers {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Providers { llm_api_key: None, webhook_secret: None, http: reqwest::Client::builder().build().unwrap() }
    }
}
