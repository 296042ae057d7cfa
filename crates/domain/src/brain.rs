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
        /// Your HTTP endpoints the model may call, besides the built-in `end_call`, `transfer_call` and `send_dtmf`.
        #[serde(default)]
        tools: Vec<HttpTool>,
        /// How long to wait for the first streamed data before saying the fallback phrase.
        #[serde(default = "default_first_token_timeout_ms")]
        first_token_timeout_ms: u32,
        /// Said when the model is slow or fails, so the caller never hears dead air.
        #[serde(default)]
        fallback_phrase: Option<String>,
    },
    /// A fixed reply after a fixed delay, whatever the caller said: for tests and benchmarks, where the
    /// brain's own time and variability would hide what is measured.
    StandIn {
        reply: String,
        #[serde(default)]
        delay_ms: u32,
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

/// An HTTP endpoint the LLM may call as a function tool: the model's arguments are POSTed to `url` as JSON and
/// the response body (its first 4,000 characters) goes back to the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpTool {
    /// 1 to 64 of `a-z A-Z 0-9 _ -`; not one of the built-in tool names.
    pub name: String,
    /// Tells the model when to call the tool.
    #[serde(default)]
    pub description: String,
    /// A JSON Schema object describing the arguments.
    #[serde(default = "default_tool_parameters")]
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    pub url: String,
    #[serde(default = "default_tool_timeout_ms")]
    pub timeout_ms: u32,
}

/// Tool names the LLM brain always offers; an [`HttpTool`] may not reuse them.
pub const BUILTIN_TOOLS: [&str; 3] = ["end_call", "transfer_call", "send_dtmf"];

/// How many HTTP tools an LLM brain may have.
pub const MAX_TOOLS: usize = 16;

fn default_tool_parameters() -> serde_json::Value {
    serde_json::json!({"type": "object", "properties": {}})
}

fn default_tool_timeout_ms() -> u32 {
    5_000
}

fn default_first_token_timeout_ms() -> u32 {
    4_000
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
            Self::Llm { base_url, model, temperature, tools, first_token_timeout_ms, fallback_phrase, .. } => {
                http_url("brain.base_url", base_url)?;
                if model.trim().is_empty() {
                    return Err(FieldError::new("brain.model", "must not be empty"));
                }
                if temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
                    return Err(FieldError::new("brain.temperature", "must be between 0 and 2"));
                }
                timeout_ms("brain.first_token_timeout_ms", *first_token_timeout_ms)?;
                fallback(fallback_phrase.as_deref())?;
                validate_tools(tools)
            }
            Self::StandIn { reply, delay_ms } => {
                crate::validate::text("brain.reply", reply, 2_000)?;
                stand_in_delay("brain.delay_ms", *delay_ms)
            }
            Self::Webhook { url, timeout_ms: timeout, fallback_phrase } => {
                http_url("brain.url", url)?;
                timeout_ms("brain.timeout_ms", *timeout)?;
                fallback(fallback_phrase.as_deref())
            }
        }
    }
}

fn timeout_ms(field: &'static str, value: u32) -> Result<(), crate::validate::FieldError> {
    if (100..=30_000).contains(&value) {
        Ok(())
    } else {
        Err(crate::validate::FieldError::new(field, "must be between 100 and 30000"))
    }
}

/// Delays of stand-ins: up to 30 s.
pub fn stand_in_delay(field: &'static str, value: u32) -> Result<(), crate::validate::FieldError> {
    if value <= 30_000 { Ok(()) } else { Err(crate::validate::FieldError::new(field, "must be at most 30000")) }
}

fn fallback(phrase: Option<&str>) -> Result<(), crate::validate::FieldError> {
    phrase.map_or(Ok(()), |p| crate::validate::optional_text("brain.fallback_phrase", p, 500).map(drop))
}

/// `brain.tools[i].<field>` for each tool index, as the `'static` names a [`FieldError`] carries.
///
/// [`FieldError`]: crate::validate::FieldError
macro_rules! tool_fields {
    ($field:literal) => {
        tool_fields!(@ $field; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@ $field:literal; $($i:literal)*) => {
        [$(concat!("brain.tools[", $i, "].", $field)),*]
    };
}

const TOOL_NAME: [&str; MAX_TOOLS] = tool_fields!("name");
const TOOL_DESCRIPTION: [&str; MAX_TOOLS] = tool_fields!("description");
const TOOL_PARAMETERS: [&str; MAX_TOOLS] = tool_fields!("parameters");
/// `brain.tools[i].url`, the field that names each tool's URL.
pub const TOOL_URL: [&str; MAX_TOOLS] = tool_fields!("url");
const TOOL_TIMEOUT: [&str; MAX_TOOLS] = tool_fields!("timeout_ms");

fn validate_tools(tools: &[HttpTool]) -> Result<(), crate::validate::FieldError> {
    use crate::validate::{FieldError, http_url, optional_text};
    if tools.len() > MAX_TOOLS {
        return Err(FieldError::new("brain.tools", format!("at most {MAX_TOOLS} tools")));
    }
    for (i, tool) in tools.iter().enumerate() {
        let name_ok = (1..=64).contains(&tool.name.len())
            && tool.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(FieldError::new(TOOL_NAME[i], "must be 1 to 64 of a-z, A-Z, 0-9, _ and -"));
        }
        if BUILTIN_TOOLS.contains(&tool.name.as_str()) {
            return Err(FieldError::new(TOOL_NAME[i], format!("`{}` is a built-in tool", tool.name)));
        }
        if tools[..i].iter().any(|earlier| earlier.name == tool.name) {
            return Err(FieldError::new(TOOL_NAME[i], format!("`{}` is used by another tool", tool.name)));
        }
        optional_text(TOOL_DESCRIPTION[i], &tool.description, 1_024)?;
        let schema_ok = tool.parameters.get("type").and_then(serde_json::Value::as_str) == Some("object")
            && tool.parameters.to_string().len() <= 8_192;
        if !schema_ok {
            return Err(FieldError::new(
                TOOL_PARAMETERS[i],
                "must be a JSON Schema object (\"type\": \"object\"), at most 8 KiB",
            ));
        }
        http_url(TOOL_URL[i], &tool.url)?;
        timeout_ms(TOOL_TIMEOUT[i], tool.timeout_ms)?;
    }
    Ok(())
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

    fn llm(extra: serde_json::Value) -> Brain {
        let mut body = json!({"type": "llm", "base_url": "http://localhost:11434/v1", "model": "llama3"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value(body).unwrap()
    }

    fn tool(name: &str) -> serde_json::Value {
        json!({"name": name, "description": "Looks up an order", "url": "https://example.com/tools/order"})
    }

    #[test]
    fn llm_defaults() {
        let Brain::Llm { tools, first_token_timeout_ms, fallback_phrase, .. } =
            llm(json!({"tools": [{"name": "lookup", "url": "https://example.com/t"}]}))
        else {
            panic!("not an llm brain")
        };
        assert_eq!(first_token_timeout_ms, 4_000);
        assert_eq!(fallback_phrase, None);
        assert_eq!(tools[0].timeout_ms, 5_000);
        assert_eq!(tools[0].description, "");
        assert_eq!(tools[0].parameters, json!({"type": "object", "properties": {}}));
    }

    #[test]
    fn llm_round_trips() {
        let b = llm(
            json!({"tools": [tool("lookup_order")], "first_token_timeout_ms": 2500, "fallback_phrase": "One moment."}),
        );
        assert!(b.validate().is_ok());
        let back: Brain = serde_json::from_value(serde_json::to_value(&b).unwrap()).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn tools_refuse_unknown_fields() {
        let mut t = tool("lookup");
        t["colour"] = json!(1);
        let body = json!({"type": "llm", "base_url": "http://localhost/v1", "model": "m", "tools": [t]});
        assert!(serde_json::from_value::<Brain>(body).is_err());
    }

    #[test]
    fn tool_validation_names_the_field() {
        let field = |extra: serde_json::Value| llm(extra).validate().unwrap_err().field;
        assert_eq!(field(json!({"tools": [tool("ok"), tool("bad name")]})), "brain.tools[1].name");
        assert_eq!(field(json!({"tools": [tool("")]})), "brain.tools[0].name");
        assert_eq!(field(json!({"tools": [tool(&"x".repeat(65))]})), "brain.tools[0].name");
        assert_eq!(field(json!({"tools": [tool("end_call")]})), "brain.tools[0].name");
        assert_eq!(field(json!({"tools": [tool("a"), tool("b"), tool("a")]})), "brain.tools[2].name");
        let mut t = tool("t");
        t["url"] = json!("ftp://example.com");
        assert_eq!(field(json!({"tools": [t]})), "brain.tools[0].url");
        let mut t = tool("t");
        t["timeout_ms"] = json!(30_001);
        assert_eq!(field(json!({"tools": [tool("s"), t]})), "brain.tools[1].timeout_ms");
        let mut t = tool("t");
        t["parameters"] = json!({"type": "string"});
        assert_eq!(field(json!({"tools": [t]})), "brain.tools[0].parameters");
        let mut t = tool("t");
        t["description"] = json!("d".repeat(1_025));
        assert_eq!(field(json!({"tools": [t]})), "brain.tools[0].description");
        let many: Vec<_> = (0..=MAX_TOOLS).map(|i| tool(&format!("t{i}"))).collect();
        assert_eq!(field(json!({ "tools": many })), "brain.tools");
        let sixteen: Vec<_> = (0..MAX_TOOLS).map(|i| tool(&format!("t{i}"))).collect();
        assert!(llm(json!({ "tools": sixteen })).validate().is_ok());
    }

    #[test]
    fn llm_timeouts_and_fallback_are_bounded() {
        let field = |extra: serde_json::Value| llm(extra).validate().unwrap_err().field;
        assert_eq!(field(json!({"first_token_timeout_ms": 99})), "brain.first_token_timeout_ms");
        assert_eq!(field(json!({"first_token_timeout_ms": 30_001})), "brain.first_token_timeout_ms");
        assert_eq!(field(json!({"fallback_phrase": "x".repeat(501)})), "brain.fallback_phrase");
        assert!(llm(json!({"first_token_timeout_ms": 100})).validate().is_ok());
        assert!(llm(json!({"first_token_timeout_ms": 30_000})).validate().is_ok());
        let webhook = json!({"type": "webhook", "url": "https://example.com/turn", "fallback_phrase": "x".repeat(501)});
        let webhook: Brain = serde_json::from_value(webhook).unwrap();
        assert_eq!(webhook.validate().unwrap_err().field, "brain.fallback_phrase");
    }
}
