//! Twilio Media Streams, the WebSocket protocol of a bidirectional `<Connect><Stream>`: JSON text
//! messages carrying base64 μ-law at 8 kHz. Parsing what Twilio sends, writing what it accepts.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A message from Twilio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    Connected,
    Start(Start),
    /// Caller audio: μ-law bytes, usually 160 (20 ms).
    Media(Vec<u8>),
    Dtmf(char),
    /// Twilio played everything sent before the mark of this name (or a `clear` dropped it).
    Mark(String),
    Stop,
}

/// The stream's `start` message: who is on the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub stream_sid: String,
    pub call_sid: String,
    pub account_sid: String,
    /// The `<Parameter>`s of the TwiML `<Stream>`.
    pub custom_parameters: Vec<(String, String)>,
}

/// Why a message could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamError {
    #[error("not a Media Streams message: {0}")]
    Malformed(String),
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    event: String,
    #[serde(default)]
    start: Option<StartBody>,
    #[serde(default)]
    media: Option<MediaBody>,
    #[serde(default)]
    dtmf: Option<DtmfBody>,
    #[serde(default)]
    mark: Option<MarkBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    stream_sid: String,
    call_sid: String,
    #[serde(default)]
    account_sid: String,
    #[serde(default)]
    custom_parameters: Map<String, Value>,
    #[serde(default)]
    media_format: Option<MediaFormat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediaFormat {
    encoding: String,
    sample_rate: u32,
}

#[derive(Deserialize)]
struct MediaBody {
    #[serde(default)]
    track: Option<String>,
    payload: String,
}

#[derive(Deserialize)]
struct DtmfBody {
    digit: String,
}

#[derive(Deserialize)]
struct MarkBody {
    name: String,
}

fn malformed(what: impl Into<String>) -> StreamError {
    StreamError::Malformed(what.into())
}

/// Reads one text message from Twilio.
pub fn parse(text: &str) -> Result<Inbound, StreamError> {
    let envelope: Envelope = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let missing = |part: &str| malformed(format!("`{}` without its `{part}` object", envelope.event));
    match envelope.event.as_str() {
        "connected" => Ok(Inbound::Connected),
        "start" => start(envelope.start.ok_or_else(|| missing("start"))?),
        "media" => media(envelope.media.ok_or_else(|| missing("media"))?),
        "dtmf" => dtmf(&envelope.dtmf.ok_or_else(|| missing("dtmf"))?.digit),
        "mark" => Ok(Inbound::Mark(envelope.mark.ok_or_else(|| missing("mark"))?.name)),
        "stop" => Ok(Inbound::Stop),
        other => Err(StreamError::UnknownEvent(other.chars().take(40).collect())),
    }
}

fn start(body: StartBody) -> Result<Inbound, StreamError> {
    if let Some(format) = &body.media_format
        && (format.encoding != "audio/x-mulaw" || format.sample_rate != 8000)
    {
        return Err(malformed(format!("unsupported media format {} at {} Hz", format.encoding, format.sample_rate)));
    }
    let custom_parameters = body
        .custom_parameters
        .into_iter()
        .map(|(name, value)| (name, value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
        .collect();
    Ok(Inbound::Start(Start {
        stream_sid: body.stream_sid,
        call_sid: body.call_sid,
        account_sid: body.account_sid,
        custom_parameters,
    }))
}

fn media(body: MediaBody) -> Result<Inbound, StreamError> {
    if body.track.as_deref().is_some_and(|track| track != "inbound") {
        // Only the caller's side is ours to hear; an outbound echo is not.
        return Ok(Inbound::Media(Vec::new()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.payload.as_bytes())
        .map_err(|e| malformed(format!("media payload is not base64: {e}")))?;
    Ok(Inbound::Media(bytes))
}

fn dtmf(digit: &str) -> Result<Inbound, StreamError> {
    let mut chars = digit.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D') => Ok(Inbound::Dtmf(c)),
        _ => Err(malformed(format!("`{}` is not a DTMF digit", digit.chars().take(8).collect::<String>()))),
    }
}

/// Writes a `media` message carrying `ulaw` (μ-law bytes) into `out`.
pub fn write_media(stream_sid: &str, ulaw: &[u8], out: &mut String) {
    out.clear();
    out.push_str(r#"{"event":"media","streamSid":"#);
    push_json_string(stream_sid, out);
    out.push_str(r#","media":{"payload":""#);
    base64::engine::general_purpose::STANDARD.encode_string(ulaw, out);
    out.push_str(r#""}}"#);
}

/// A `mark` message: Twilio echoes it once everything sent before it has played.
pub fn mark(stream_sid: &str, name: &str) -> String {
    serde_json::json!({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}).to_string()
}

/// A `clear` message: Twilio drops the audio it has buffered and echoes every pending mark.
pub fn clear(stream_sid: &str) -> String {
    serde_json::json!({"event": "clear", "streamSid": stream_sid}).to_string()
}

fn push_json_string(text: &str, out: &mut String) {
    out.push_str(&Value::String(text.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_twilios_messages() {
        assert_eq!(parse(r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#), Ok(Inbound::Connected));
        let start = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1",
            "callSid":"CA1","tracks":["inbound"],"customParameters":{"call_id":"call_1"},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#;
        let Ok(Inbound::Start(start)) = parse(start) else { panic!("start not parsed") };
        assert_eq!((start.stream_sid.as_str(), start.call_sid.as_str()), ("MZ1", "CA1"));
        assert_eq!(start.custom_parameters, vec![("call_id".to_owned(), "call_1".to_owned())]);
        let media = r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1",
            "timestamp":"5","payload":"/38="},"streamSid":"MZ1"}"#;
        assert_eq!(parse(media), Ok(Inbound::Media(vec![0xff, 0x7f])));
        let dtmf =
            r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"7"}}"#;
        assert_eq!(parse(dtmf), Ok(Inbound::Dtmf('7')));
        let mark = r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"3:800"}}"#;
        assert_eq!(parse(mark), Ok(Inbound::Mark("3:800".into())));
        assert_eq!(parse(r#"{"event":"stop","streamSid":"MZ1","stop":{"callSid":"CA1"}}"#), Ok(Inbound::Stop));
    }

    #[test]
    fn refuses_what_is_not_the_protocol() {
        for bad in [
            "",
            "[]",
            r#"{"event":"media"}"#,
            r#"{"event":"media","media":{"payload":"***"}}"#,
            r#"{"event":"dtmf","dtmf":{"digit":"77"}}"#,
            r#"{"event":"start","start":{"streamSid":"MZ","callSid":"CA","mediaFormat":{"encoding":"audio/l16","sampleRate":16000}}}"#,
        ] {
            assert!(matches!(parse(bad), Err(StreamError::Malformed(_))), "{bad}");
        }
        assert_eq!(parse(r#"{"event":"party"}"#), Err(StreamError::UnknownEvent("party".into())));
    }

    #[test]
    fn writes_what_twilio_accepts() {
        let mut out = String::new();
        write_media("MZ\"1", &[0xff, 0x7f], &mut out);
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["event"], "media");
        assert_eq!(value["streamSid"], "MZ\"1");
        assert_eq!(value["media"]["payload"], "/38=");
        let mark: Value = serde_json::from_str(&mark("MZ1", "2:end")).unwrap();
        assert_eq!(mark["mark"]["name"], "2:end");
        let clear: Value = serde_json::from_str(&clear("MZ1")).unwrap();
        assert_eq!((clear["event"].as_str(), clear["streamSid"].as_str()), (Some("clear"), Some("MZ1")));
    }
}
