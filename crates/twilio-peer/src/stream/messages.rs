//! The Media Streams messages, as Twilio writes them (numbers as strings, as Twilio sends them)
//! and as it reads the server's (`media`, `mark`, `clear`).

use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Who a stream belongs to: what `start` and `stop` carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamIdentity {
    pub account_sid: String,
    pub call_sid: String,
    /// The `<Parameter>`s of the TwiML `<Stream>`, handed over as `customParameters`.
    pub custom_parameters: Vec<(String, String)>,
}

impl StreamIdentity {
    /// Made-up sids and no parameters, for streams opened outside a call.
    pub fn random() -> Self {
        Self {
            account_sid: crate::sid::new_sid("AC"),
            call_sid: crate::sid::new_sid("CA"),
            custom_parameters: Vec::new(),
        }
    }
}

pub(crate) fn connected() -> String {
    json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}).to_string()
}

pub(crate) fn start(sequence: u64, stream_sid: &str, identity: &StreamIdentity) -> String {
    let parameters: Map<String, Value> =
        identity.custom_parameters.iter().map(|(name, value)| (name.clone(), Value::from(value.as_str()))).collect();
    json!({
        "event": "start",
        "sequenceNumber": sequence.to_string(),
        "start": {
            "accountSid": identity.account_sid,
            "streamSid": stream_sid,
            "callSid": identity.call_sid,
            "tracks": ["inbound"],
            "customParameters": parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": stream_sid,
    })
    .to_string()
}

/// One frame of caller audio; `chunk` counts from 1, `timestamp_ms` from the stream's start.
pub(crate) fn media(sequence: u64, stream_sid: &str, chunk: u64, timestamp_ms: u64, ulaw: &[u8]) -> String {
    json!({
        "event": "media",
        "sequenceNumber": sequence.to_string(),
        "media": {
            "track": "inbound",
            "chunk": chunk.to_string(),
            "timestamp": timestamp_ms.to_string(),
            "payload": base64::engine::general_purpose::STANDARD.encode(ulaw),
        },
        "streamSid": stream_sid,
    })
    .to_string()
}

pub(crate) fn dtmf(sequence: u64, stream_sid: &str, digit: char) -> String {
    json!({
        "event": "dtmf",
        "streamSid": stream_sid,
        "sequenceNumber": sequence.to_string(),
        "dtmf": {"track": "inbound_track", "digit": digit.to_string()},
    })
    .to_string()
}

/// The echo of a server's mark: its audio has played (or a `clear` dropped it).
pub(crate) fn mark(sequence: u64, stream_sid: &str, name: &str) -> String {
    json!({
        "event": "mark",
        "sequenceNumber": sequence.to_string(),
        "streamSid": stream_sid,
        "mark": {"name": name},
    })
    .to_string()
}

pub(crate) fn stop(sequence: u64, stream_sid: &str, identity: &StreamIdentity) -> String {
    json!({
        "event": "stop",
        "sequenceNumber": sequence.to_string(),
        "streamSid": stream_sid,
        "stop": {"accountSid": identity.account_sid, "callSid": identity.call_sid},
    })
    .to_string()
}

/// A message the server may send on a bidirectional stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FromServer {
    /// Audio to play: μ-law bytes, any length.
    Media(Vec<u8>),
    Mark(String),
    Clear,
}

/// The `event` of a message, or empty when it has none (for the log, malformed messages included).
pub(crate) fn event_of(text: &str) -> String {
    let value: Option<Value> = serde_json::from_str(text).ok();
    value.as_ref().and_then(|v| v.get("event")).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Reads a server message for the stream `stream_sid`; the error says what is wrong with it.
pub(crate) fn parse(text: &str, stream_sid: &str) -> Result<FromServer, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let event = value.get("event").and_then(Value::as_str).ok_or("no `event`")?;
    match value.get("streamSid").and_then(Value::as_str) {
        Some(sid) if sid == stream_sid => {}
        Some(other) => return Err(format!("streamSid `{other}` is not this stream's")),
        None => return Err(format!("`{event}` without a streamSid")),
    }
    let field = |object: &str, name: &str| value.get(object).and_then(|o| o.get(name)).and_then(Value::as_str);
    match event {
        "media" => {
            let payload = field("media", "payload").ok_or("`media` without media.payload")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .map_err(|e| format!("media.payload is not base64: {e}"))?;
            Ok(FromServer::Media(bytes))
        }
        "mark" => Ok(FromServer::Mark(field("mark", "name").ok_or("`mark` without mark.name")?.to_owned())),
        "clear" => Ok(FromServer::Clear),
        other => Err(format!("unknown event `{}`", other.chars().take(40).collect::<String>())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("valid JSON")
    }

    #[test]
    fn writes_twilios_messages() {
        let identity = StreamIdentity {
            account_sid: "AC1".into(),
            call_sid: "CA1".into(),
            custom_parameters: vec![("call_id".into(), "call_1".into())],
        };
        let start = json(&start(1, "MZ1", &identity));
        assert_eq!(start["sequenceNumber"], "1");
        assert_eq!(start["start"]["customParameters"]["call_id"], "call_1");
        assert_eq!(start["start"]["mediaFormat"]["encoding"], "audio/x-mulaw");
        assert_eq!(start["start"]["tracks"][0], "inbound");
        let media = json(&media(3, "MZ1", 2, 20, &[0xff, 0x7f]));
        assert_eq!((&media["media"]["chunk"], &media["media"]["timestamp"]), (&Value::from("2"), &Value::from("20")));
        assert_eq!(media["media"]["payload"], "/38=");
        assert_eq!(json(&dtmf(4, "MZ1", '7'))["dtmf"]["digit"], "7");
        assert_eq!(json(&mark(5, "MZ1", "m"))["mark"]["name"], "m");
        assert_eq!(json(&stop(6, "MZ1", &identity))["stop"]["callSid"], "CA1");
    }

    #[test]
    fn reads_the_servers_messages() {
        assert_eq!(
            parse(r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/38="}}"#, "MZ1"),
            Ok(FromServer::Media(vec![0xff, 0x7f]))
        );
        assert_eq!(
            parse(r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"x"}}"#, "MZ1"),
            Ok(FromServer::Mark("x".into()))
        );
        assert_eq!(parse(r#"{"event":"clear","streamSid":"MZ1"}"#, "MZ1"), Ok(FromServer::Clear));
    }

    #[test]
    fn refuses_malformed_messages() {
        for bad in [
            "",
            "[1]",
            r#"{"streamSid":"MZ1"}"#,
            r#"{"event":"clear"}"#,
            r#"{"event":"clear","streamSid":"MZ2"}"#,
            r#"{"event":"media","streamSid":"MZ1"}"#,
            r#"{"event":"media","streamSid":"MZ1","media":{"payload":"***"}}"#,
            r#"{"event":"mark","streamSid":"MZ1","mark":{}}"#,
            r#"{"event":"dance","streamSid":"MZ1"}"#,
        ] {
            assert!(parse(bad, "MZ1").is_err(), "{bad}");
        }
    }
}
