//! The LLM brain: any OpenAI-compatible chat-completions endpoint, streamed.
//!
//! Each reply is `POST {base_url}/chat/completions` with `"stream": true`; sentences are said as soon as they
//! are complete. The model may call the built-in tools (`end_call`, `transfer_call`, `send_dtmf`: they become
//! [`Action`]s) and the agent's HTTP tools (their answers go back to the model, which is asked again, for at most
//! [`MAX_TOOL_ROUNDS`] rounds). A slow first token, an HTTP error, a broken stream or a dropped connection is
//! reported as [`BrainEvent::Degraded`], followed by the fallback phrase unless part of the reply was said.
//!
//! [`Action`]: crate::Action
//! [`BrainEvent::Degraded`]: crate::BrainEvent::Degraded

use crate::completion::{self, Completion, Timeouts};
use crate::emit::{Speaker, generate};
use crate::tools::{self, ToolCall, Toolbox};
use crate::{Brain, BrainStream, CallContext, Message, Providers, Role};
use agentline_domain::SecretString;
use agentline_domain::brain::HttpTool;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Said after a failure when the brain has no fallback phrase of its own.
pub const DEFAULT_FALLBACK: &str = "Sorry, I'm having trouble right now. Could you repeat that?";
/// How many times tool results are sent back to the model within one reply.
pub const MAX_TOOL_ROUNDS: usize = 3;
/// How long a stream may pause between chunks once it has started.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(15);

/// The settings of an LLM brain.
#[derive(Clone, Debug)]
pub struct LlmConfig {
    /// Up to, not including, `/chat/completions` (`https://api.openai.com/v1`).
    pub base_url: String,
    pub model: String,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub tools: Vec<HttpTool>,
    pub first_token_timeout: Duration,
    pub fallback_phrase: Option<String>,
}

/// Asks a chat-completions endpoint what to say.
#[derive(Clone, Debug)]
pub struct LlmBrain {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    endpoint: String,
    config: LlmConfig,
    instructions: String,
    api_key: Option<SecretString>,
    http: reqwest::Client,
    tool_definitions: Vec<Value>,
    toolbox: Toolbox,
    fallback: String,
}

impl LlmBrain {
    pub fn new(config: LlmConfig, context: CallContext, providers: &Providers) -> Self {
        let toolbox = Toolbox {
            http_tools: config.tools.clone(),
            http: providers.http.clone(),
            secret: providers.webhook_secret.clone(),
            call_id: context.call_id,
        };
        let shared = Shared {
            endpoint: format!("{}/chat/completions", config.base_url.trim_end_matches('/')),
            tool_definitions: tools::definitions(&config.tools),
            fallback: config.fallback_phrase.clone().unwrap_or_else(|| DEFAULT_FALLBACK.to_owned()),
            config,
            instructions: context.instructions,
            api_key: providers.llm_api_key.clone(),
            http: providers.http.clone(),
            toolbox,
        };
        Self { shared: Arc::new(shared) }
    }
}

impl Brain for LlmBrain {
    fn reply(&mut self, transcript: &[Message]) -> BrainStream {
        let shared = self.shared.clone();
        let messages = shared.messages(transcript);
        generate(move |speaker| async move { shared.converse(messages, speaker).await })
    }

    fn fixed_phrases(&self) -> Vec<String> {
        vec![self.shared.fallback.clone()]
    }
}

impl Shared {
    /// The system prompt, then the transcript as user and assistant turns.
    fn messages(&self, transcript: &[Message]) -> Vec<Value> {
        let system = (!self.instructions.is_empty()).then(|| json!({"role": "system", "content": self.instructions}));
        let turns = transcript.iter().map(|m| {
            let role = match m.role {
                Role::Caller => "user",
                Role::Agent => "assistant",
            };
            json!({"role": role, "content": m.text})
        });
        system.into_iter().chain(turns).collect()
    }

    /// Streams replies, running tool calls between them, until the model answers without tools.
    async fn converse(&self, mut messages: Vec<Value>, mut speaker: Speaker) {
        let timeouts = Timeouts { first_token: self.config.first_token_timeout, stall: STALL_TIMEOUT };
        for round in 0..=MAX_TOOL_ROUNDS {
            let completion = match completion::stream(self.request(&messages), timeouts, &mut speaker).await {
                Ok(completion) => completion,
                Err(what) => return speaker.degrade(format!("llm brain: {what}"), &self.fallback),
            };
            speaker.flush();
            if completion.tool_calls.is_empty() {
                return;
            }
            if round == MAX_TOOL_ROUNDS {
                let what = format!("llm brain: the model still called tools after {MAX_TOOL_ROUNDS} rounds");
                return speaker.degrade(what, &self.fallback);
            }
            let mut ends_reply = false;
            let mut results = Vec::with_capacity(completion.tool_calls.len());
            for call in &completion.tool_calls {
                let outcome = self.toolbox.run(call, &mut speaker).await;
                ends_reply |= outcome.ends_reply;
                results.push(json!({"role": "tool", "tool_call_id": call.id, "content": outcome.result}));
            }
            if ends_reply {
                return;
            }
            messages.push(assistant_message(&completion));
            messages.extend(results);
        }
    }

    fn request(&self, messages: &[Value]) -> reqwest::RequestBuilder {
        let mut body = json!({
            "model": self.config.model,
            "messages": messages,
            "stream": true,
            "tools": self.tool_definitions,
        });
        if let Some(temperature) = self.config.temperature {
            // Through text, so 0.3f32 is sent as 0.3 rather than 0.30000001192092896.
            body["temperature"] = json!(temperature.to_string().parse::<f64>().unwrap_or(f64::from(temperature)));
        }
        if let Some(max_tokens) = self.config.max_tokens {
            body["max_tokens"] = json!(max_tokens);
        }
        let request = self.http.post(&self.endpoint).header("accept", "text/event-stream").json(&body);
        match &self.api_key {
            Some(key) => request.bearer_auth(key.expose()),
            None => request,
        }
    }
}

/// The assistant turn that asked for tools, as the model must see it before the tools' results.
fn assistant_message(completion: &Completion) -> Value {
    let calls: Vec<Value> = completion.tool_calls.iter().map(tool_call_json).collect();
    let content = if completion.text.is_empty() { Value::Null } else { json!(completion.text) };
    json!({"role": "assistant", "content": content, "tool_calls": calls})
}

fn tool_call_json(call: &ToolCall) -> Value {
    json!({"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}})
}
