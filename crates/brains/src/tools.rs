//! The tools an LLM brain offers: built-in call control (`end_call`, `transfer_call`, `send_dtmf`) and the
//! agent's HTTP tools, with what running each one does.

use crate::Action;
use crate::emit::Speaker;
use crate::http::{SignedPost, first_chars};
use agentline_domain::SecretString;
use agentline_domain::brain::HttpTool;
use serde_json::{Value, json};
use std::time::Duration;

/// The most of a tool's answer the model sees, in characters.
pub(crate) const MAX_RESULT_CHARS: usize = 4_000;

/// A tool call the model made, assembled from its streamed fragments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// What running a tool call gave: the text the model gets back, and whether the reply should end now.
pub(crate) struct Outcome {
    pub result: String,
    pub ends_reply: bool,
}

/// The `tools` array of a chat-completions request.
pub(crate) fn definitions(http_tools: &[HttpTool]) -> Vec<Value> {
    let builtins = [
        function("end_call", "Hang up the call. Say goodbye first.", json!({"type": "object", "properties": {}})),
        function(
            "transfer_call",
            "Transfer the caller to another phone number.",
            json!({"type": "object", "properties": {"to": {"type": "string", "description":
                "The number in E.164 format, like +14155550100"}}, "required": ["to"]}),
        ),
        function(
            "send_dtmf",
            "Press keys on the phone keypad, for example to navigate a phone menu.",
            json!({"type": "object", "properties": {"digits": {"type": "string", "description":
                "Keys to press: 0-9, *, #, A-D"}}, "required": ["digits"]}),
        ),
    ];
    let custom = http_tools.iter().map(|t| function(&t.name, &t.description, t.parameters.clone()));
    builtins.into_iter().chain(custom).collect()
}

fn function(name: &str, description: &str, parameters: Value) -> Value {
    json!({"type": "function", "function": {"name": name, "description": description, "parameters": parameters}})
}

/// Normalises touch-tone keys (uppercase letters); refuses anything else.
pub(crate) fn check_dtmf(digits: &str) -> Result<String, String> {
    let digits = digits.trim().to_ascii_uppercase();
    let ok = (1..=64).contains(&digits.len()) && digits.chars().all(|c| matches!(c, '0'..='9' | '*' | '#' | 'A'..='D'));
    if ok { Ok(digits) } else { Err(format!("`{digits}` is not 1 to 64 of the keys 0-9, *, #, A-D")) }
}

/// An E.164 phone number.
pub(crate) fn check_number(to: &str) -> Result<String, String> {
    agentline_domain::PhoneNumber::parse(to.trim()).map(String::from).map_err(|e| e.to_string())
}

/// Runs the model's tool calls.
#[derive(Debug)]
pub(crate) struct Toolbox {
    pub http_tools: Vec<HttpTool>,
    pub http: reqwest::Client,
    pub secret: Option<SecretString>,
    pub call_id: String,
}

impl Toolbox {
    /// Runs one call: built-ins become actions, HTTP tools are POSTed. Failures become error results for the
    /// model to read, never errors of the reply.
    pub(crate) async fn run(&self, call: &ToolCall, speaker: &mut Speaker) -> Outcome {
        let arguments = parse_arguments(&call.arguments);
        if let Some(action) = builtin(&call.name, arguments.as_ref()) {
            return match action {
                Ok(action) => {
                    let ends_reply = matches!(action, Action::EndCall | Action::Transfer { .. });
                    speaker.act(action);
                    Outcome { result: "done".to_owned(), ends_reply }
                }
                Err(e) => Outcome { result: format!("error: {e}"), ends_reply: false },
            };
        }
        let result = match (self.http_tools.iter().find(|t| t.name == call.name), arguments) {
            (None, _) => format!("error: there is no tool named `{}`", call.name),
            (Some(tool), Ok(arguments)) => self.post(tool, &arguments, speaker).await,
            (Some(tool), Err(e)) => {
                speaker.tool_called(&tool.name, false, e.clone());
                format!("error: {e}")
            }
        };
        Outcome { result, ends_reply: false }
    }

    /// POSTs the arguments to the tool's URL; its answer (or what went wrong) is the result.
    async fn post(&self, tool: &HttpTool, arguments: &Value, speaker: &mut Speaker) -> String {
        let post = SignedPost {
            http: &self.http,
            secret: self.secret.as_ref(),
            call_id: &self.call_id,
            url: &tool.url,
            timeout: Duration::from_millis(tool.timeout_ms.into()),
            max_body_bytes: MAX_RESULT_CHARS * 4,
        };
        let body = serde_json::to_vec(arguments).expect("JSON values always serialise");
        match post.send(body).await {
            Ok(answer) => {
                let ok = answer.status.is_success();
                speaker.tool_called(&tool.name, ok, format!("HTTP {}", answer.status.as_u16()));
                let text = first_chars(&answer.body, MAX_RESULT_CHARS);
                match (ok, text.trim().is_empty()) {
                    (true, true) => "done".to_owned(),
                    (true, false) => text.to_owned(),
                    (false, _) => format!("error: the tool answered HTTP {}: {text}", answer.status.as_u16()),
                }
            }
            Err(e) => {
                speaker.tool_called(&tool.name, false, e.to_string());
                format!("error: {e}")
            }
        }
    }
}

/// The model's arguments: a JSON object (empty text means no arguments).
fn parse_arguments(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err("the arguments are not a JSON object".to_owned()),
        Err(e) => Err(format!("the arguments are not valid JSON ({e})")),
    }
}

/// The action a built-in tool call asks for, or why its arguments are wrong; `None` for other tools.
fn builtin(name: &str, arguments: Result<&Value, &String>) -> Option<Result<Action, String>> {
    let text = |field: &str| -> Result<String, String> {
        let arguments = arguments.map_err(Clone::clone)?;
        let value = arguments.get(field).and_then(Value::as_str);
        value.map(str::to_owned).ok_or_else(|| format!("`{field}` must be a string"))
    };
    match name {
        "end_call" => Some(Ok(Action::EndCall)),
        "transfer_call" => Some(text("to").and_then(|to| check_number(&to)).map(|to| Action::Transfer { to })),
        "send_dtmf" => Some(text("digits").and_then(|d| check_dtmf(&d)).map(|digits| Action::SendDtmf { digits })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_check_their_arguments() {
        let args = |text: &str| parse_arguments(text);
        let run = |name: &str, text: &str| builtin(name, args(text).as_ref()).unwrap();
        assert_eq!(run("end_call", ""), Ok(Action::EndCall));
        assert_eq!(run("end_call", "not json"), Ok(Action::EndCall), "hanging up needs no arguments");
        assert_eq!(
            run("transfer_call", r#"{"to": "+14155550100"}"#),
            Ok(Action::Transfer { to: "+14155550100".into() })
        );
        assert!(run("transfer_call", r#"{"to": "555-0100"}"#).unwrap_err().contains("E.164"));
        assert!(run("transfer_call", "{}").unwrap_err().contains("`to`"));
        assert!(run("transfer_call", "[1]").unwrap_err().contains("JSON object"));
        assert_eq!(run("send_dtmf", r#"{"digits": "12*#ab"}"#), Ok(Action::SendDtmf { digits: "12*#AB".into() }));
        assert!(run("send_dtmf", r#"{"digits": "12e"}"#).is_err());
        assert!(run("send_dtmf", r#"{"digits": ""}"#).is_err());
        assert!(run("send_dtmf", r#"{"digits": 12}"#).is_err());
        assert!(builtin("lookup", args("{}").as_ref()).is_none());
    }

    #[test]
    fn definitions_list_builtins_then_http_tools() {
        let tool = HttpTool {
            name: "lookup_order".into(),
            description: "Finds an order".into(),
            parameters: json!({"type": "object", "properties": {"id": {"type": "string"}}}),
            url: "http://127.0.0.1:1/".into(),
            timeout_ms: 1000,
        };
        let defs = definitions(&[tool]);
        let names: Vec<_> = defs.iter().map(|d| d["function"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["end_call", "transfer_call", "send_dtmf", "lookup_order"]);
        assert!(defs.iter().all(|d| d["type"] == "function" && d["function"]["parameters"]["type"] == "object"));
        assert_eq!(defs[3]["function"]["parameters"]["properties"]["id"]["type"], "string");
    }
}
