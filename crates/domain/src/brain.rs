//! How an agent decides what to say: the brain settings stored on an agent.
//!
//! This module holds only the settings (data the API accepts and stores). The conversation
//! engine that runs them lives elsewhere.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The agent's brain, chosen per agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Brain {
    /// A deterministic flow: keyword branches, a fallback and a goodbye. Needs no account anywhere.
    Script {
        #[serde(default)]
        branches: Vec<ScriptBranch>,
        #[serde(default)]
        fallback: Option<String>,
        #[serde(default)]
        goodbye: Option<String>,
        /// Caller turns after which the script says goodbye and hangs up.
        #[serde(default = "default_max_turns")]
        max_turns: u32,
    },
    /// Any OpenAI-compatible chat-completions endpoint.
    Llm {
        base_url: String,
        model: String,
        #[serde(default)]
        temperature: Option<f32>,
        #[serde(default)]
        max_tokens: Option<u32>,
    },
    /// Your server answers each caller turn with the next thing to say.
    Webhook {
        url: String,
        #[serde(default = "default_webhook_timeout_ms")]
        timeout_ms: u32,
        /// Said when your server is slow or fails, so the caller never hears dead air.
        #[serde(default)]
        fallback_phrase: Option<String>,
    },
}

/// One keyword branch of a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptBranch {
    /// Matched case-insensitively as whole words in what the caller said.
    pub keywords: Vec<String>,
    pub reply: String,
    /// Hang up after saying the reply.
    #[serde(default)]
    pub end_call: bool,
}

fn default_max_turns() -> u32 {
    6
}

fn default_webhook_timeout_ms() -> u32 {
    5_000
}

impl Default for Brain {
    fn default() -> Self {
        Self::Script { branches: Vec::new(), fallback: None, goodbye: None, max_turns: default_max_turns() }
    }
}

impl Brain {
    /// Checks the settings, naming the offending field.
    pub fn validate(&self) -> Result<(), crate::validate::FieldError> {
        use crate::validate::{FieldError, http_url};
        match self {
            Self::Script { branches, max_turns, .. } => {
                if *max_turns == 0 || *max_turns > 100 {
                    return Err(FieldError::new("brain.max_turns", "must be between 1 and 100"));
                }
                if branches.len() > 100 {
                    return Err(FieldError::new("brain.branches", "at most 100 branches"));
                }
                let bad = branches.iter().any(|b| {
                    b.keywords.is_empty() || b.keywords.iter().any(|k| k.trim().is_empty()) || b.reply.trim().is_empty()
                });
                if bad {
                    return Err(FieldError::new("brain.branches", "each branch needs non-empty keywords and a reply"));
                }
                Ok(())
            }
            Self::Llm { base_url, model, temperature, .. } => {
                http_url("brain.base_url", base_url)?;
                if model.trim().is_empty() {
                    return Err(FieldError::new("brain.model", "must not be empty"));
                }
                if temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
                    return Err(FieldError::new("brain.temperature", "must be between 0 and 2"));
                }
                Ok(())
            }
            Self::Webhook { url, timeout_ms, .. } => {
                http_url("brain.url", url)?;
                if !(100..=30_000).contains(timeout_ms) {
                    return Err(FieldError::new("brain.timeout_ms", "must be between 100 and 30000"));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_each_kind() {
        let b: Brain =
            serde_json::from_value(json!({"type": "llm", "base_url": "http://localhost:11434/v1", "model": "llama3"}))
                .unwrap();
        assert!(b.validate().is_ok());
        let b: Brain =
            serde_json::from_value(json!({"type": "script", "branches": [{"keywords": ["yes"], "reply": "Great"}]}))
                .unwrap();
        assert!(b.validate().is_ok());
        let b: Brain = serde_json::from_value(json!({"type": "webhook", "url": "https://example.com/turn"})).unwrap();
        assert!(b.validate().is_ok());
    }

    #[test]
    fn refuses_unknown_kinds_and_fields() {
        assert!(serde_json::from_value::<Brain>(json!({"type": "magic"})).is_err());
        assert!(
            serde_json::from_value::<Brain>(json!({"type": "webhook", "url": "https://x.io", "colour": 1})).is_err()
        );
    }

    #[test]
    fn validation_names_the_field() {
        let b: Brain = serde_json::from_value(json!({"type": "llm", "base_url": "nope", "model": "m"})).unwrap();
        assert_eq!(b.validate().unwrap_err().field, "brain.base_url");
    }
}
