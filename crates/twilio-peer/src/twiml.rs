//! Just enough of TwiML to run what agentline answers with: `<Connect><Stream url>` with its
//! `<Parameter>`s, `<Reject>`, and the names of every other verb (run as no-ops). A small hand
//! parser rather than an XML library: it accepts what real documents look like (a prolog,
//! comments, attributes in any order and either quote, self-closing tags, entities) and refuses
//! what Twilio would refuse (unbalanced tags, no `<Response>` root).

use std::fmt;

/// What a TwiML document tells Twilio to do, as far as this stand-in acts on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Twiml {
    /// The verbs directly under `<Response>`, in order (`Say`, `Connect`, `Reject`…).
    pub verbs: Vec<String>,
    /// The bidirectional stream of the first `<Connect><Stream>`.
    pub stream: Option<StreamTarget>,
    /// `<Reject>`'s `reason` (`rejected` when not given), when the document rejects the call.
    pub reject: Option<String>,
    /// The `url` of each `<Dial><Number url>`: TwiML fetched and played to the person dialled
    /// when they answer (a whisper), before the caller is connected.
    pub number_urls: Vec<String>,
}

/// A `<Connect><Stream>`: where to open the WebSocket and what to hand over in `start`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamTarget {
    pub url: String,
    /// The `<Parameter name value>` children, in document order.
    pub parameters: Vec<(String, String)>,
}

/// Why a document is not TwiML Twilio could run (Twilio's error 12100, "Document parse failure").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwimlError(pub String);

impl fmt::Display for TwimlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid TwiML: {}", self.0)
    }
}

impl std::error::Error for TwimlError {}

/// One markup tag.
#[derive(Debug, PartialEq, Eq)]
enum Tag {
    Open { name: String, attributes: Vec<(String, String)>, empty: bool },
    Close(String),
}

/// Reads a TwiML document.
pub fn parse(text: &str) -> Result<Twiml, TwimlError> {
    let mut twiml = Twiml::default();
    let mut open: Vec<String> = Vec::new();
    let mut saw_root = false;
    for tag in tags(text)? {
        match tag {
            Tag::Open { name, attributes, empty } => {
                if open.is_empty() {
                    if saw_root || name != "Response" {
                        return Err(error(format!("the root element must be one <Response>, not <{name}>")));
                    }
                    saw_root = true;
                }
                interpret(&mut twiml, &open, &name, &attributes)?;
                if !empty {
                    open.push(name);
                }
            }
            Tag::Close(name) => match open.pop() {
                Some(top) if top == name => {}
                Some(top) => return Err(error(format!("</{name}> closes <{top}>"))),
                None => return Err(error(format!("</{name}> closes nothing"))),
            },
        }
    }
    match (saw_root, open.last()) {
        (false, _) => Err(error("no <Response> element")),
        (true, Some(top)) => Err(error(format!("<{top}> is never closed"))),
        (true, None) => Ok(twiml),
    }
}

/// Records what an opening tag means, given the elements it sits in (`open`, outermost first).
fn interpret(
    twiml: &mut Twiml,
    open: &[String],
    name: &str,
    attributes: &[(String, String)],
) -> Result<(), TwimlError> {
    let path: Vec<&str> = open.iter().map(String::as_str).collect();
    let attribute = |wanted: &str| attributes.iter().find(|(n, _)| n == wanted).map(|(_, v)| v.clone());
    match (path.as_slice(), name) {
        (["Response"], verb) => {
            twiml.verbs.push(verb.to_owned());
            if verb == "Reject" {
                twiml.reject = Some(attribute("reason").unwrap_or_else(|| "rejected".to_owned()));
            }
        }
        // Only the first `<Connect>` runs: Twilio executes nothing after a `<Connect>` ends.
        (["Response", "Connect"], "Stream") if twiml.stream.is_none() && connects_once(twiml) => {
            let url = attribute("url").ok_or_else(|| error("<Stream> without a url"))?;
            twiml.stream = Some(StreamTarget { url, parameters: Vec::new() });
        }
        (["Response", "Dial"], "Number") => {
            if let Some(url) = attribute("url") {
                twiml.number_urls.push(url);
            }
        }
        (["Response", "Connect", "Stream"], "Parameter") if connects_once(twiml) => {
            if let (Some(stream), Some(name)) = (twiml.stream.as_mut(), attribute("name")) {
                stream.parameters.push((name, attribute("value").unwrap_or_default()));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether the `<Connect>` being read is the document's first.
fn connects_once(twiml: &Twiml) -> bool {
    twiml.verbs.iter().filter(|verb| *verb == "Connect").count() == 1
}

fn error(message: impl Into<String>) -> TwimlError {
    TwimlError(message.into())
}

/// The document's tags in order, skipping text, the prolog, comments, CDATA and declarations.
fn tags(text: &str) -> Result<Vec<Tag>, TwimlError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let skipped = [("<?", "?>"), ("<!--", "-->"), ("<![CDATA[", "]]>"), ("<!", ">")]
            .into_iter()
            .find(|(opener, _)| rest.starts_with(opener));
        if let Some((opener, closer)) = skipped {
            let body = &rest[opener.len()..];
            let end = body.find(closer).ok_or_else(|| error(format!("`{opener}` is never closed")))?;
            rest = &body[end + closer.len()..];
            continue;
        }
        let end = tag_end(rest).ok_or_else(|| error("a tag is never closed"))?;
        out.push(tag(&rest[1..end])?);
        rest = &rest[end + 1..];
    }
    Ok(out)
}

/// The index of the `>` ending the tag `text` starts with, skipping quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

/// One tag's inside, between `<` and `>`.
fn tag(inner: &str) -> Result<Tag, TwimlError> {
    if let Some(name) = inner.strip_prefix('/') {
        return Ok(Tag::Close(name.trim().to_owned()));
    }
    let trimmed = inner.trim_end();
    let (inner, empty) = match trimmed.strip_suffix('/') {
        Some(inner) => (inner, true),
        None => (trimmed, false),
    };
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() {
        return Err(error("a tag without a name"));
    }
    Ok(Tag::Open { name: name.to_owned(), attributes: attributes(&inner[name_end..])?, empty })
}

/// `name="value"` pairs, whitespace allowed around `=`, either quote.
fn attributes(mut text: &str) -> Result<Vec<(String, String)>, TwimlError> {
    let mut out = Vec::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(out);
        }
        let eq = text.find('=').ok_or_else(|| error(format!("attribute without a value in `{text}`")))?;
        let name = text[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(error(format!("bad attribute name `{name}`")));
        }
        let after = text[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| matches!(c, '"' | '\''));
        let quote = quote.ok_or_else(|| error(format!("unquoted value for `{name}`")))?;
        let body = &after[1..];
        let close = body.find(quote).ok_or_else(|| error(format!("unterminated value for `{name}`")))?;
        out.push((name.to_owned(), unescape(&body[..close])?));
        text = &body[close + 1..];
    }
}

/// Resolves XML's five named entities and numeric character references.
fn unescape(text: &str) -> Result<String, TwimlError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or_else(|| error("`&` without `;`"))?;
        out.push(entity(&after[..semi])?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn entity(name: &str) -> Result<char, TwimlError> {
    let numeric = |digits: &str, radix| u32::from_str_radix(digits, radix).ok().and_then(char::from_u32);
    let resolved = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => numeric(hex, 16),
            None => name.strip_prefix('#').and_then(|decimal| numeric(decimal, 10)),
        },
    };
    resolved.ok_or_else(|| error(format!("unknown entity `&{name};`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_agentlines_connect_stream() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://h/x?a=1&amp;b=2"><Parameter name="call_id" value="call_&quot;1&quot;"/></Stream></Connect></Response>"#;
        let twiml = parse(doc).expect("valid TwiML");
        assert_eq!(twiml.verbs, ["Connect"]);
        let stream = twiml.stream.expect("a stream");
        assert_eq!(stream.url, "wss://h/x?a=1&b=2");
        assert_eq!(stream.parameters, [("call_id".to_owned(), "call_\"1\"".to_owned())]);
    }

    #[test]
    fn tolerates_layout_attribute_order_quotes_and_comments() {
        let doc = "<?xml version='1.0'?>\n<!-- answer -->\n<Response>\n  <Say voice = 'alice'>Hi &lt;there&gt;</Say>\n  <Connect>\n    <Stream name=\"s\"\n            url='ws://127.0.0.1:9/s' >\n      <Parameter value=\"v&#65;&#x42;\" name=\"n\" />\n      <Parameter name=\"empty\"></Parameter>\n    </Stream>\n  </Connect>\n</Response>\n";
        let twiml = parse(doc).expect("valid TwiML");
        assert_eq!(twiml.verbs, ["Say", "Connect"]);
        let stream = twiml.stream.expect("a stream");
        assert_eq!(stream.url, "ws://127.0.0.1:9/s");
        assert_eq!(stream.parameters, [("n".into(), "vAB".into()), ("empty".into(), String::new())]);
    }

    #[test]
    fn reads_reject_and_documents_without_a_stream() {
        let twiml = parse(r#"<Response><Reject reason="busy"/></Response>"#).expect("valid");
        assert_eq!((twiml.reject.as_deref(), twiml.stream), (Some("busy"), None));
        let twiml = parse("<Response><Reject/></Response>").expect("valid");
        assert_eq!(twiml.reject.as_deref(), Some("rejected"));
        let twiml = parse("<Response><Say>Bye</Say><Hangup/></Response>").expect("valid");
        assert_eq!((twiml.verbs.len(), twiml.stream), (2, None));
        // `<Start><Stream>` is a one-way fork, not the bidirectional stream agentline needs.
        let twiml = parse(r#"<Response><Start><Stream url="ws://x"/></Start></Response>"#).expect("valid");
        assert_eq!(twiml.stream, None);
    }

    #[test]
    fn refuses_what_is_not_twiml() {
        for bad in [
            "",
            "hello",
            "<Reply/>",
            "<Response>",
            "<Response></Connect>",
            "<Response><Connect></Response>",
            "<Response/><Response/>",
            r#"<Response><Connect><Stream/></Connect></Response>"#,
            r#"<Response><Say voice=alice>x</Say></Response>"#,
            r#"<Response><Say voice="a>x</Say></Response>"#,
            r#"<Response><Connect><Stream url="&bogus;"/></Connect></Response>"#,
            "<Response><!-- unterminated</Response>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
