//! One chat-completions request answered as a whole (`"stream": false`): for work after the call, such as
//! its analysis, where nothing is spoken and the answer is read at once. The answer is untrusted: its size is
//! capped, and every way it can be wrong comes back as a [`ChatError`] that says what happened.

use crate::http::{describe, first_chars, read_capped};
use agentline_domain::SecretString;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// A request to `{base_url}/chat/completions`.
pub struct ChatRequest<'a> {
    pub http: &'a reqwest::Client,
    /// Up to, not including, `/chat/completions`.
    pub base_url: &'a str,
    pub api_key: Option<&'a SecretString>,
    /// The JSON body (`model`, `messages`, `response_format`…); `stream` is set to false.
    pub body: Value,
    /// For the whole exchange, the answer's body included.
    pub timeout: Duration,
    /// The longest answer read; a longer one is an error.
    pub max_answer_bytes: usize,
}

/// A chat completion's text and what the server said it used.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatAnswer {
    pub content: String,
    /// The model that answered, as the server names it.
    pub model: Option<String>,
    pub usage: Option<ChatUsage>,
}

/// The server's `usage` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub struct ChatUsage {
    #[serde(default)]
    pub prompt_tokens: Option<i64>,
    #[serde(default)]
    pub completion_tokens: Option<i64>,
    /// In dollars, where the server reports it (OpenRouter does).
    #[serde(default)]
    pub cost: Option<f64>,
}

/// Why there is no usable answer.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ChatError {
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("the model's server answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the answer is not a chat completion ({0})")]
    Malformed(String),
    #[error("the model answered nothing")]
    Empty,
    #[error("the model refused: {0}")]
    Refused(String),
}

impl ChatError {
    /// Whether trying again later may help: timeouts, broken connections, 408, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout(_) | Self::Transport(_) => true,
            Self::Status { status, .. } => matches!(status, 408 | 429) || *status >= 500,
            Self::TooLarge(_) | Self::Malformed(_) | Self::Empty | Self::Refused(_) => false,
        }
    }
}

impl ChatRequest<'_> {
    /// Sends the request and reads the answer, all within the timeout.
    pub async fn send(self) -> Result<ChatAnswer, ChatError> {
        let mut body = self.body;
        body["stream"] = Value::Bool(false);
        let url = format!("{}/chat/completions", self.base_url.trim_end_matches('/'));
        let mut request = self.http.post(url).json(&body);
        if let Some(key) = self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let max = self.max_answer_bytes;
        let exchange = async move {
            let mut response = request.send().await.map_err(|e| ChatError::Transport(describe(e)))?;
            let status = response.status();
            // One byte more than allowed tells a full answer from a cut one.
            let text = read_capped(&mut response, max + 1).await.map_err(|e| ChatError::Transport(describe(e)))?;
            if !status.is_success() {
                return Err(ChatError::Status {
                    status: status.as_u16(),
                    body: first_chars(text.trim(), 200).to_owned(),
                });
            }
            if text.len() > max {
                return Err(ChatError::TooLarge(max));
            }
            parse_answer(&text)
        };
        tokio::time::timeout(self.timeout, exchange).await.map_err(|_| ChatError::Timeout(self.timeout.as_millis()))?
    }
}

/// The first choice's text of a chat-completions body.
pub fn parse_answer(text: &str) -> Result<ChatAnswer, ChatError> {
    let parsed: Completion =
        serde_json::from_str(text).map_err(|e| ChatError::Malformed(first_chars(&e.to_string(), 200).to_owned()))?;
    if let Some(error) = parsed.error {
        let message = error.get("message").and_then(Value::as_str).map_or_else(|| error.to_string(), str::to_owned);
        return Err(ChatError::Malformed(format!("the server reported an error: {}", first_chars(&message, 200))));
    }
    let message = parsed.choices.into_iter().next().and_then(|c| c.message).ok_or(ChatError::Empty)?;
    if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
        return Err(ChatError::Refused(first_chars(&refusal, 200).to_owned()));
    }
    let content = message.content.filter(|c| !c.trim().is_empty()).ok_or(ChatError::Empty)?;
    Ok(ChatAnswer { content, model: parsed.model, usage: parsed.usage })
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<ChatUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<AnswerMessage>,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_first_choice_and_the_usage() {
        let body = json!({
            "model": "llama3.2",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"summary\": \"ok\"}"}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150, "cost": 0.0004}
        });
        let answer = parse_answer(&body.to_string()).unwrap();
        assert_eq!(answer.content, "{\"summary\": \"ok\"}");
        assert_eq!(answer.model.as_deref(), Some("llama3.2"));
        let usage = answer.usage.unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.cost), (Some(120), Some(30), Some(0.0004)));
    }

    #[test]
    fn empty_refused_and_malformed_answers_are_errors() {
        assert_eq!(parse_answer(r#"{"choices": []}"#), Err(ChatError::Empty));
        assert_eq!(parse_answer(r#"{"choices": [{"message": {"content": "  "}}]}"#), Err(ChatError::Empty));
        assert_eq!(parse_answer(r#"{"choices": [{"message": {"content": null}}]}"#), Err(ChatError::Empty));
        let refused = parse_answer(r#"{"choices": [{"message": {"content": null, "refusal": "No."}}]}"#);
        assert_eq!(refused, Err(ChatError::Refused("No.".into())));
        assert!(matches!(parse_answer("<html>"), Err(ChatError::Malformed(_))));
        let error = parse_answer(r#"{"error": {"message": "model not found"}}"#).unwrap_err();
        assert!(error.to_string().contains("model not found"), "{error}");
    }

    #[test]
    fn only_passing_troubles_are_worth_a_retry() {
        let status = |status| ChatError::Status { status, body: String::new() };
        assert!(status(500).is_transient() && status(503).is_transient() && status(429).is_transient());
        assert!(!status(400).is_transient() && !status(401).is_transient() && !status(404).is_transient());
        assert!(ChatError::Timeout(5).is_transient() && ChatError::Transport("reset".into()).is_transient());
        assert!(!ChatError::Empty.is_transient() && !ChatError::TooLarge(1).is_transient());
    }
}
