//! What a webhook destination receives, by its format: agentline's own envelope, or the
//! payload a seed service's receivers parse (Klen AI, KaiCalls). The body is rendered once,
//! when the delivery is written, and sent byte for byte (retries and the delivery log included).

use crate::calls::Call;
use crate::events::CallEventRecord;
use crate::row::to_json;
pub use agentline_domain::webhook_format::{FORMATS, KAICALLS, KLEN, STANDARD};
use serde_json::{Value, json};

/// The body `event` is sent with in `format`; `None` when the format has no such event.
pub fn body(format: &str, event: &CallEventRecord, call: &Call) -> Option<String> {
    match format {
        KLEN => Some(klen(event)),
        KAICALLS => kaicalls(event, call),
        _ => Some(envelope(event)),
    }
}

/// The JSON body a standard destination of `event` receives.
pub fn envelope(event: &CallEventRecord) -> String {
    to_json(&json!({
        "id": event.id,
        "type": event.event_type,
        "event": event.event_type,
        "call_id": event.call_id,
        "created_at": event.created_at,
        "data": event.payload,
    }))
}

/// Klen's names for agentline's events; the rest keep theirs.
const KLEN_EVENTS: [(&str, &str); 3] =
    [("call.answered", "call.started"), ("call.completed", "call.ended"), ("call.failed", "call.ended")];

fn klen(event: &CallEventRecord) -> String {
    let ours = event.event_type.as_str();
    let name = KLEN_EVENTS.iter().find(|(o, _)| *o == ours).map_or(ours, |(_, theirs)| theirs);
    to_json(&json!({
        "id": event.id,
        "event_type": name,
        "call_id": event.call_id,
        "created_at": event.created_at,
        "data": event.payload,
    }))
}

fn kaicalls(event: &CallEventRecord, call: &Call) -> Option<String> {
    let data = &event.payload;
    let timestamp = data.get("timestamp").cloned().unwrap_or_else(|| json!(event.created_at));
    let mut body = json!({"event": event.event_type, "call_id": event.call_id, "timestamp": timestamp});
    match event.event_type.as_str() {
        "call.completed" => {
            body["status"] = json!("completed");
            body["duration"] = data.get("duration").cloned().unwrap_or(Value::Null);
            // Relative to the server's base URL, like the API's own `recording_url`.
            body["recording_url"] = json!(call.recording.as_ref().map(|_| format!("/v1/calls/{}/recording", call.id)));
            body["summary"] = json!(call.summary);
        }
        "call.failed" => {
            // KaiCalls says `failed` and puts the reason (`no_answer`, `busy` …) in `error`.
            let reason = data.get("error").filter(|e| e.is_string()).or_else(|| data.get("status"));
            body["status"] = json!("failed");
            body["error"] = reason.cloned().unwrap_or(Value::Null);
        }
        _ => return None,
    }
    Some(to_json(&body))
}
