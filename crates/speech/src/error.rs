//! The one error type of every speech engine, worded for the person reading the call log.

/// Longest part of an error response body kept in [`SpeechError::Http`].
const BODY_PREVIEW_CHARS: usize = 300;

/// Why speech recognition or synthesis failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechError {
    /// The provider answered with an HTTP error status.
    #[error("{provider} refused the request (HTTP {status}): {body}")]
    Http {
        /// Engine name.
        provider: &'static str,
        /// HTTP status code.
        status: u16,
        /// The start of the response body (first 300 characters).
        body: String,
    },
    /// The provider did not answer in time.
    #[error("{provider} timed out waiting for {what}")]
    Timeout {
        /// Engine name.
        provider: &'static str,
        /// What we were waiting for.
        what: &'static str,
    },
    /// The provider said something we do not understand, reported an error on the stream, or
    /// dropped the connection mid-stream.
    #[error("{provider} broke the protocol: {detail}")]
    Protocol {
        /// Engine name.
        provider: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// A local input/output failure (network write, process pipe).
    #[error("speech I/O failed: {0}")]
    Io(String),
    /// The engine cannot be used: not installed, unreachable, misconfigured.
    #[error("speech engine unavailable: {0}")]
    Unavailable(String),
}

impl SpeechError {
    /// An [`SpeechError::Http`] with the body cut to its first 300 characters.
    pub fn http(provider: &'static str, status: u16, body: &str) -> Self {
        Self::Http { provider, status, body: preview(body) }
    }

    /// A [`SpeechError::Protocol`].
    pub fn protocol(provider: &'static str, detail: impl Into<String>) -> Self {
        Self::Protocol { provider, detail: detail.into() }
    }
}

/// The start of a message from a provider (first 300 characters), fit to quote in an error.
pub(crate) fn preview(text: &str) -> String {
    text.trim().chars().take(BODY_PREVIEW_CHARS).collect()
}

/// An error and its causes on one line: reqwest and tungstenite keep the useful part (refused,
/// reset, certificate) in the source chain.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_bodies_are_cut_to_300_characters() {
        let long = "é".repeat(1000);
        let SpeechError::Http { body, .. } = SpeechError::http("x", 500, &long) else { unreachable!() };
        assert_eq!(body.chars().count(), 300);
    }

    #[test]
    fn messages_name_the_provider() {
        let error = SpeechError::Timeout { provider: "deepgram", what: "the final transcript" };
        assert_eq!(error.to_string(), "deepgram timed out waiting for the final transcript");
        let error = SpeechError::http("openai", 401, " bad key ");
        assert_eq!(error.to_string(), "openai refused the request (HTTP 401): bad key");
    }
}
