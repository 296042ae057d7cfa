//! Twilio's rules that need no network: request signatures, call statuses and the TwiML that
//! connects a call's audio to agentline.

use crate::call::EndReason;
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use subtle::ConstantTimeEq as _;

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// `X-Twilio-Signature` of a request to `url` (exactly as Twilio requested it, query string
/// included) with form parameters `params`: base64 of HMAC-SHA1, keyed by the auth token, over the
/// URL followed by every parameter's name and value, sorted by name.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature Twilio would send; compared in constant time.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], given: &str) -> bool {
    let expected = signature(auth_token, url, params);
    expected.as_bytes().ct_eq(given.trim().as_bytes()).into()
}

/// A call's status as Twilio reports it (`CallStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwilioStatus {
    Queued,
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
}

impl TwilioStatus {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "queued" => Self::Queued,
            "initiated" => Self::Initiated,
            "ringing" => Self::Ringing,
            "in-progress" | "answered" => Self::InProgress,
            "completed" => Self::Completed,
            "busy" => Self::Busy,
            "no-answer" => Self::NoAnswer,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            _ => return None,
        })
    }

    /// How a call that reached this final status ended; none while it goes on.
    pub fn end_reason(self, answered: bool) -> Option<EndReason> {
        Some(match self {
            Self::Queued | Self::Initiated | Self::Ringing | Self::InProgress => return None,
            // Twilio reports `completed` for answered calls the far end (or `TimeLimit`) ended.
            Self::Completed if answered => EndReason::CallerHangup,
            Self::Completed | Self::NoAnswer => EndReason::NoAnswer,
            Self::Busy => EndReason::Busy,
            Self::Failed => EndReason::CarrierError,
            Self::Canceled => EndReason::Canceled,
        })
    }
}

/// TwiML answering a call by connecting its audio, both ways, to the Media Streams WebSocket at
/// `stream_url`, with `parameters` handed to the stream's `start` message.
pub fn connect_stream(stream_url: &str, parameters: &[(&str, &str)]) -> String {
    let mut twiml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="{}">"#,
        xml_escape(stream_url)
    );
    for (name, value) in parameters {
        twiml.push_str(&format!(r#"<Parameter name="{}" value="{}"/>"#, xml_escape(name), xml_escape(value)));
    }
    twiml.push_str("</Stream></Connect></Response>");
    twiml
}

/// TwiML handing a live call to `to` (a transfer): Twilio dials it with our number as caller ID
/// and connects the caller when it answers. With `whisper_url`, Twilio first fetches TwiML
/// from it and plays that to the person who answered (a warm transfer's whisper).
pub fn dial(to: &str, caller_id: &str, timeout_secs: i64, whisper_url: Option<&str>) -> String {
    let url = whisper_url.map(|url| format!(r#" url="{}" method="POST""#, xml_escape(url))).unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="{}" timeout="{}"><Number{url}>{}</Number></Dial></Response>"#,
        xml_escape(caller_id),
        timeout_secs.clamp(5, 600),
        xml_escape(to)
    )
}

/// TwiML saying `text` (a warm transfer's whisper, to the person about to take the call).
pub fn say(text: &str) -> String {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>{}</Say></Response>"#, xml_escape(text))
}

/// Where Twilio fetches the whisper of `call`'s warm transfer.
pub fn whisper_path(call_id: &str) -> String {
    format!("/twilio/calls/{call_id}/whisper")
}

/// TwiML refusing a call (the caller hears busy), for calls nobody here can answer.
pub fn reject() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>"#.to_owned()
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn signs_like_twilio_documents() {
        // The example in Twilio's webhook security guide (also checked with Python's hmac module).
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let form = params(&[
            ("To", "+18005551212"),
            ("From", "+12349013030"),
            ("Digits", "1234"),
            ("Caller", "+12349013030"),
            ("CallSid", "CA1234567890ABCDE"),
        ]);
        assert_eq!(signature("12345", url, &form), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(verify("12345", url, &form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn a_websocket_upgrade_is_signed_over_its_url_alone() {
        let url = "wss://example.com/twilio/calls/call_1/stream";
        assert_eq!(signature("12345", url, &[]), "XgJeEsoO543OibjP7QtkGedK9nI=");
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let url = "https://example.com/twilio/status";
        let form = params(&[("CallStatus", "completed")]);
        let good = signature("token", url, &form);
        assert!(!verify("other", url, &form, &good));
        assert!(!verify("token", "https://example.com/twilio/status?x=1", &form, &good));
        assert!(!verify("token", url, &params(&[("CallStatus", "busy")]), &good));
        assert!(!verify("token", url, &form, ""));
    }

    #[test]
    fn final_statuses_map_to_end_reasons() {
        let reason = |s: &str, answered| TwilioStatus::parse(s).and_then(|s| s.end_reason(answered));
        assert_eq!(reason("ringing", false), None);
        assert_eq!(reason("in-progress", false), None);
        assert_eq!(reason("completed", true), Some(EndReason::CallerHangup));
        assert_eq!(reason("busy", false), Some(EndReason::Busy));
        assert_eq!(reason("no-answer", false), Some(EndReason::NoAnswer));
        assert_eq!(reason("failed", false), Some(EndReason::CarrierError));
        assert_eq!(reason("canceled", false), Some(EndReason::Canceled));
        assert_eq!(TwilioStatus::parse("exploded"), None);
    }

    #[test]
    fn twiml_escapes_what_it_embeds() {
        let twiml = connect_stream("wss://h/x?a=1&b=2", &[("call_id", "call_\"1\"")]);
        assert!(twiml.contains(r#"<Stream url="wss://h/x?a=1&amp;b=2">"#), "{twiml}");
        assert!(twiml.contains(r#"<Parameter name="call_id" value="call_&quot;1&quot;"/>"#), "{twiml}");
    }
}
