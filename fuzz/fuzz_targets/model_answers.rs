//! What a model or an agent's webhook may answer, arbitrary: a streamed body cut into arbitrary
//! pieces through the SSE parser (whose events then go to the chat-completions reader), a whole
//! chat-completions body, and a webhook brain's JSON answer. None of them may panic.
#![no_main]

use agentline_brains::chat::parse_answer;
use agentline_brains::sse::SseParser;
use agentline_brains::webhook::parse_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cuts, body) = data.split_at(data.len().min(4));
    let mut parser = SseParser::new();
    let mut rest = body;
    for cut in cuts {
        let (piece, after) = rest.split_at((*cut as usize).min(rest.len()));
        rest = after;
        if let Ok(events) = parser.push(piece) {
            for event in events {
                let _ = parse_answer(&event);
            }
        }
    }
    let _ = parser.push(rest);
    let _ = parser.finish();
    let text = String::from_utf8_lossy(body);
    let _ = parse_answer(&text);
    let _ = parse_reply(&text);
});
