//! Signed JSON POSTs to the customer's servers (webhook brains and HTTP tools), with a deadline and a cap on
//! how much of the answer is read.

use agentline_domain::SecretString;
use reqwest::StatusCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a request to the customer's server came back with.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

/// Why there is no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PostError {
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("cannot sign the request: {0}")]
    Sign(agentline_domain::webhook::VerifyError),
    #[error("request failed: {0}")]
    Failed(String),
}

/// A POST of `body` (JSON) to `url`.
pub(crate) struct SignedPost<'a> {
    pub http: &'a reqwest::Client,
    pub secret: Option<&'a SecretString>,
    pub call_id: &'a str,
    pub url: &'a str,
    pub timeout: Duration,
    /// Bytes of the answer kept; the rest is not read.
    pub max_body_bytes: usize,
}

impl SignedPost<'_> {
    /// Sends `body` with Standard Webhooks headers (`webhook-signature` only when there is a secret) and reads
    /// the answer, all within the timeout.
    pub(crate) async fn send(&self, body: Vec<u8>) -> Result<Answer, PostError> {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let mut request = self
            .http
            .post(self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("agentline-call-id", self.call_id);
        if let Some(secret) = self.secret {
            let signature = agentline_domain::webhook::signature_header(&[secret.expose()], &id, timestamp, &body)
                .map_err(PostError::Sign)?;
            request = request.header("webhook-signature", signature);
        }
        let exchange = async {
            let response = request.body(body).send().await.map_err(|e| PostError::Failed(describe(e)))?;
            read_answer(response, self.max_body_bytes).await
        };
        tokio::time::timeout(self.timeout, exchange).await.map_err(|_| PostError::Timeout(self.timeout.as_millis()))?
    }
}

async fn read_answer(mut response: reqwest::Response, max_bytes: usize) -> Result<Answer, PostError> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = read_capped(&mut response, max_bytes).await.map_err(|e| PostError::Failed(describe(e)))?;
    Ok(Answer { status, content_type, body })
}

/// Up to `max_bytes` of a response body, as text (invalid UTF-8 replaced).
pub(crate) async fn read_capped(response: &mut reqwest::Response, max_bytes: usize) -> reqwest::Result<String> {
    let mut bytes = Vec::new();
    while bytes.len() < max_bytes
        && let Some(chunk) = response.chunk().await?
    {
        bytes.extend_from_slice(&chunk);
    }
    bytes.truncate(max_bytes);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A reqwest error with its causes, which its `Display` leaves out ("error sending request" alone says little),
/// but without the URL, which may carry a key in its query.
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The first `max_chars` characters of `text`.
pub(crate) fn first_chars(text: &str, max_chars: usize) -> &str {
    text.char_indices().nth(max_chars).map_or(text, |(at, _)| &text[..at])
}
