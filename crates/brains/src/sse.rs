//! An incremental parser for `text/event-stream` bodies (Server-Sent Events), as chat-completion APIs stream them.
//!
//! Bytes go in as the network delivers them, split anywhere (inside a line, a CRLF pair or a UTF-8 character);
//! each complete event's `data` comes out, its `data:` lines joined with `\n`. Comment lines (`:`) and the
//! `event`, `id` and `retry` fields are ignored. Lines end at LF or CRLF.

/// The longest line accepted: a stream that never ends a line is broken, not slow.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The stream broke the format.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SseError {
    #[error("an event-stream line is longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong,
}

/// Turns a byte stream into event data.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes and returns the data of each event they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, SseError> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(offset) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let end = start + offset;
            let line = self.pending[start..end].strip_suffix(b"\r").unwrap_or(&self.pending[start..end]);
            let line = String::from_utf8_lossy(line).into_owned();
            events.extend(self.line(&line));
            start = end + 1;
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_LINE_BYTES {
            return Err(SseError::LineTooLong);
        }
        Ok(events)
    }

    /// The body ended: the data of an event that was not followed by a blank line, if any.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            let line = String::from_utf8_lossy(rest.strip_suffix(b"\r").unwrap_or(&rest)).into_owned();
            self.line(&line);
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            self.data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
        }
        None
    }

    fn dispatch(&mut self) -> Option<String> {
        if self.data.is_empty() {
            return None;
        }
        Some(std::mem::take(&mut self.data).join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in(chunks: &[&[u8]]) -> Vec<String> {
        let mut parser = SseParser::new();
        let mut events: Vec<String> = chunks.iter().flat_map(|c| parser.push(c).unwrap()).collect();
        events.extend(parser.finish());
        events
    }

    #[test]
    fn events_are_separated_by_blank_lines() {
        let body = b"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";
        assert_eq!(parse_in(&[body]), ["{\"a\":1}", "{\"b\":2}", "[DONE]"]);
    }

    #[test]
    fn any_split_gives_the_same_events() {
        let body =
            ": keep-alive\r\nevent: message\r\nid: 7\r\ndata: {\"text\":\"héllo ☕\"}\r\n\r\ndata:x\r\ndata: y\r\n\r\n"
                .as_bytes();
        let whole = parse_in(&[body]);
        assert_eq!(whole, ["{\"text\":\"héllo ☕\"}", "x\ny"]);
        for cut in 0..body.len() {
            assert_eq!(parse_in(&[&body[..cut], &body[cut..]]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(parse_in(&bytes), whole);
    }

    #[test]
    fn comments_and_other_fields_are_ignored() {
        assert!(parse_in(&[b": ping\n\nevent: x\nretry: 10\n\n"]).is_empty());
        assert_eq!(parse_in(&[b"data\n\n"]), [""], "a bare data line is an empty data line");
    }

    #[test]
    fn a_final_event_without_a_blank_line_is_kept() {
        assert_eq!(parse_in(&[b"data: [DONE]"]), ["[DONE]"]);
        assert_eq!(parse_in(&[b"data: [DONE]\n"]), ["[DONE]"]);
        assert!(parse_in(&[b""]).is_empty());
    }

    #[test]
    fn an_endless_line_is_an_error() {
        let mut parser = SseParser::new();
        assert_eq!(parser.push(&vec![b'x'; MAX_LINE_BYTES + 1]), Err(SseError::LineTooLong));
    }
}
