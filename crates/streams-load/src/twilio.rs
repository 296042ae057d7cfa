//! The Twilio Media Streams wire format, as Twilio sends it and as servers answer.
//!
//! Outgoing messages are written with `format!` from fields that never need JSON escaping (hex
//! SIDs, decimal numbers, base64); a mark name echoed back is escaped through serde_json.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// The identifiers of one emulated call.
#[derive(Clone, Debug)]
pub(crate) struct Sids {
    pub(crate) account: String,
    pub(crate) call: String,
    pub(crate) stream: String,
}

impl Sids {
    /// Twilio-shaped SIDs (two-letter prefix, 32 hex digits), unique per `index` within a run.
    pub(crate) fn new(run_seed: u64, index: usize) -> Self {
        let hex = |tag: u64| format!("{:016x}{:016x}", mix(run_seed ^ tag), mix(run_seed.wrapping_add(index as u64)));
        Self { account: format!("AC{}", hex(1)), call: format!("CA{}", hex(2)), stream: format!("MZ{}", hex(3)) }
    }
}

/// splitmix64's finaliser: spreads a counter over 64 bits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The first message of every stream.
pub(crate) fn connected() -> String {
    r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#.to_owned()
}

/// The `start` message (sequence number 1).
pub(crate) fn start(sids: &Sids) -> String {
    format!(
        concat!(
            r#"{{"event":"start","sequenceNumber":"1","start":{{"accountSid":"{a}","streamSid":"{s}","#,
            r#""callSid":"{c}","tracks":["inbound"],"customParameters":{{}},"#,
            r#""mediaFormat":{{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}},"streamSid":"{s}"}}"#
        ),
        a = sids.account,
        s = sids.stream,
        c = sids.call,
    )
}

/// One 20 ms inbound `media` message; `chunk` counts from 1, `timestamp_ms` from the stream start.
pub(crate) fn media(sids: &Sids, sequence: u64, chunk: u64, timestamp_ms: u64, payload_b64: &str) -> String {
    format!(
        concat!(
            r#"{{"event":"media","sequenceNumber":"{seq}","media":{{"track":"inbound","chunk":"{chunk}","#,
            r#""timestamp":"{ts}","payload":"{payload}"}},"streamSid":"{s}"}}"#
        ),
        seq = sequence,
        chunk = chunk,
        ts = timestamp_ms,
        payload = payload_b64,
        s = sids.stream,
    )
}

/// Twilio's acknowledgement that playback reached a mark (or that a `clear` dropped it).
pub(crate) fn mark(sids: &Sids, sequence: u64, name: &str) -> String {
    let name = Value::String(name.to_owned());
    format!(
        r#"{{"event":"mark","sequenceNumber":"{sequence}","streamSid":"{}","mark":{{"name":{name}}}}}"#,
        sids.stream
    )
}

/// The last message of every stream.
pub(crate) fn stop(sids: &Sids, sequence: u64) -> String {
    format!(
        r#"{{"event":"stop","sequenceNumber":"{sequence}","stop":{{"accountSid":"{}","callSid":"{}"}},"streamSid":"{}"}}"#,
        sids.account, sids.call, sids.stream
    )
}

/// Base64 of a μ-law payload.
pub(crate) fn encode_payload(ulaw: &[u8]) -> String {
    STANDARD.encode(ulaw)
}

/// What a server sent, as far as Twilio acts on it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ServerMessage {
    /// Audio to append to the playback buffer.
    Media(Vec<u8>),
    /// A marker to acknowledge once playback reaches it.
    Mark(String),
    /// Drop buffered audio (and acknowledge pending marks).
    Clear,
    /// Valid JSON with an event Twilio ignores.
    Other,
}

/// Why a server message could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Malformed {
    NotJson,
    NoEvent,
    BadMedia,
    BadMark,
}

/// Parses one text frame from the server; never panics.
pub(crate) fn parse(text: &str) -> Result<ServerMessage, Malformed> {
    let value: Value = serde_json::from_str(text).map_err(|_| Malformed::NotJson)?;
    let event = value.get("event").and_then(Value::as_str).ok_or(Malformed::NoEvent)?;
    match event {
        "media" => {
            let payload = value.pointer("/media/payload").and_then(Value::as_str).ok_or(Malformed::BadMedia)?;
            STANDARD.decode(payload).map(ServerMessage::Media).map_err(|_| Malformed::BadMedia)
        }
        "mark" => value
            .pointer("/mark/name")
            .and_then(Value::as_str)
            .map(|name| ServerMessage::Mark(name.to_owned()))
            .ok_or(Malformed::BadMark),
        "clear" => Ok(ServerMessage::Clear),
        _ => Ok(ServerMessage::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sids() -> Sids {
        Sids::new(7, 3)
    }

    #[test]
    fn sids_look_like_twilio() {
        let s = sids();
        for (sid, prefix) in [(&s.account, "AC"), (&s.call, "CA"), (&s.stream, "MZ")] {
            assert_eq!(sid.len(), 34);
            assert!(sid.starts_with(prefix));
        }
        assert_ne!(Sids::new(7, 4).stream, s.stream);
    }

    #[test]
    fn outgoing_messages_are_valid_json_in_twilio_shape() -> anyhow::Result<()> {
        let s = sids();
        let start: Value = serde_json::from_str(&start(&s))?;
        assert_eq!(start["start"]["mediaFormat"]["encoding"], "audio/x-mulaw");
        assert_eq!(start["start"]["tracks"][0], "inbound");
        assert_eq!(start["streamSid"], s.stream.as_str());
        let media: Value = serde_json::from_str(&media(&s, 2, 1, 0, "AAA="))?;
        assert_eq!(media["media"]["payload"], "AAA=");
        assert_eq!(media["sequenceNumber"], "2");
        let mark: Value = serde_json::from_str(&mark(&s, 9, "a \"quoted\" name"))?;
        assert_eq!(mark["mark"]["name"], "a \"quoted\" name");
        let stop: Value = serde_json::from_str(&stop(&s, 10))?;
        assert_eq!(stop["stop"]["callSid"], s.call.as_str());
        let connected: Value = serde_json::from_str(&connected())?;
        assert_eq!(connected["protocol"], "Call");
        Ok(())
    }

    #[test]
    fn parses_server_messages_without_panicking() {
        let media = r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/38="}}"#;
        assert_eq!(parse(media), Ok(ServerMessage::Media(vec![0xFF, 0x7F])));
        assert_eq!(parse(r#"{"event":"mark","mark":{"name":"m1"}}"#), Ok(ServerMessage::Mark("m1".into())));
        assert_eq!(parse(r#"{"event":"clear","streamSid":"MZ1"}"#), Ok(ServerMessage::Clear));
        assert_eq!(parse(r#"{"event":"something"}"#), Ok(ServerMessage::Other));
        assert_eq!(parse("not json"), Err(Malformed::NotJson));
        assert_eq!(parse("[1,2]"), Err(Malformed::NoEvent));
        assert_eq!(parse(r#"{"event":"media","media":{"payload":"%%%"}}"#), Err(Malformed::BadMedia));
        assert_eq!(parse(r#"{"event":"media"}"#), Err(Malformed::BadMedia));
        assert_eq!(parse(r#"{"event":"mark","mark":{}}"#), Err(Malformed::BadMark));
    }
}
