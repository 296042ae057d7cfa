//! One streamed chat-completions request: reads the SSE body as it arrives, says the text sentence by sentence
//! and assembles tool calls from their fragments.

use crate::emit::Speaker;
use crate::http::{describe, first_chars, read_capped};
use crate::sse::SseParser;
use crate::tools::ToolCall;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};

/// The most tool calls one response may hold.
const MAX_TOOL_CALLS: usize = 16;

/// How long to wait, for the first data and then between chunks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub first_token: Duration,
    pub stall: Duration,
}

/// A response that ended well: its text (already said) and the tools it called.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
}

/// Sends the request and streams the response, saying each sentence as it completes. The error says what failed.
pub(crate) async fn stream(
    request: reqwest::RequestBuilder,
    timeouts: Timeouts,
    speaker: &mut Speaker,
) -> Result<Completion, String> {
    let first_deadline = Instant::now() + timeouts.first_token;
    let no_first_token = || format!("no answer within {} ms", timeouts.first_token.as_millis());
    let sent = timeout_at(first_deadline, request.send()).await.map_err(|_| no_first_token())?;
    let mut response = sent.map_err(|e| format!("request failed: {}", describe(e)))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = timeout_at(first_deadline, read_capped(&mut response, 2048)).await;
        let body = body.ok().and_then(Result::ok).unwrap_or_default();
        return Err(format!("HTTP {status}: {}", first_chars(body.trim(), 200)));
    }
    let mut sse = SseParser::new();
    let mut accumulator = Accumulator::default();
    let mut deadline = first_deadline;
    loop {
        let chunk = match timeout_at(deadline, response.chunk()).await {
            Err(_) if deadline == first_deadline => return Err(no_first_token()),
            // A server that sent its finish reason but neither `[DONE]` nor the end of the body.
            Err(_) if accumulator.finished => return Ok(accumulator.into_completion()),
            Err(_) => return Err(format!("the stream stalled for {} ms", timeouts.stall.as_millis())),
            Ok(Err(e)) => return Err(format!("the connection broke mid-stream ({})", describe(e))),
            Ok(Ok(None)) => return accumulator.at_end(sse.finish(), speaker),
            Ok(Ok(Some(chunk))) => chunk,
        };
        for data in sse.push(&chunk).map_err(|e| e.to_string())? {
            deadline = Instant::now() + timeouts.stall;
            if accumulator.apply(&data, speaker)? == Progress::Done {
                return Ok(accumulator.into_completion());
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Progress {
    More,
    Done,
}

#[derive(Debug, Default)]
struct Accumulator {
    text: String,
    calls: Vec<ToolCall>,
    finished: bool,
}

impl Accumulator {
    /// Takes in one event's data.
    fn apply(&mut self, data: &str, speaker: &mut Speaker) -> Result<Progress, String> {
        if data.trim() == "[DONE]" {
            return Ok(Progress::Done);
        }
        let chunk: Chunk =
            serde_json::from_str(data).map_err(|e| format!("a stream chunk is not the expected JSON ({e})"))?;
        if let Some(error) = chunk.error {
            let message = error.get("message").and_then(Value::as_str).map_or_else(|| error.to_string(), str::to_owned);
            return Err(format!("the server reported an error: {}", first_chars(&message, 200)));
        }
        for choice in chunk.choices.unwrap_or_default().into_iter().filter(|c| c.index == 0) {
            let delta = choice.delta.unwrap_or_default();
            if let Some(text) = delta.content {
                speaker.text(&text);
                self.text.push_str(&text);
            }
            for part in delta.tool_calls.unwrap_or_default() {
                self.merge(part)?;
            }
            self.finished |= choice.finish_reason.is_some();
        }
        Ok(Progress::More)
    }

    /// Adds one fragment of a tool call: the id and name usually come first, the arguments in pieces.
    fn merge(&mut self, part: ToolCallDelta) -> Result<(), String> {
        if part.index >= MAX_TOOL_CALLS {
            return Err(format!("more than {MAX_TOOL_CALLS} tool calls"));
        }
        if self.calls.len() <= part.index {
            self.calls.resize_with(part.index + 1, ToolCall::default);
        }
        let call = &mut self.calls[part.index];
        if let Some(id) = part.id.filter(|id| !id.is_empty()) {
            call.id = id;
        }
        let function = part.function.unwrap_or_default();
        // Some servers repeat the whole name in every fragment; others split it.
        if let Some(name) = function.name.filter(|n| *n != call.name) {
            call.name.push_str(&name);
        }
        call.arguments.push_str(&function.arguments.unwrap_or_default());
        Ok(())
    }

    /// The body ended without `[DONE]`: fine if a finish reason came, otherwise the stream was cut short.
    fn at_end(mut self, last: Option<String>, speaker: &mut Speaker) -> Result<Completion, String> {
        if let Some(data) = last
            && self.apply(&data, speaker)? == Progress::Done
        {
            return Ok(self.into_completion());
        }
        if self.finished { Ok(self.into_completion()) } else { Err("the stream ended before the reply did".to_owned()) }
    }

    fn into_completion(self) -> Completion {
        let tool_calls = self
            .calls
            .into_iter()
            .enumerate()
            .filter(|(_, call)| !call.name.is_empty())
            .map(|(i, call)| ToolCall { id: if call.id.is_empty() { format!("call_{i}") } else { call.id }, ..call })
            .collect();
        Completion { text: self.text, tool_calls }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: usize,
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: usize,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Default, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}
