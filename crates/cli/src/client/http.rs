//! A tiny HTTP helper over reqwest: the API key, JSON in and out, errors mapped to exit codes,
//! and retries of rate-limited and failed requests that are safe to repeat.

use super::CliError;
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use std::time::Duration;

const RETRIES: u32 = 2;

pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

/// A request: the method, the path under the server, query pairs, a JSON body and extra headers.
pub(crate) struct Req<'a> {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'a str, String)>,
    pub(crate) body: Option<Value>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl<'a> Req<'a> {
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self { method: Method::GET, path: path.into(), query: Vec::new(), body: None, headers: Vec::new() }
    }
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, ..Self::get(path) }
    }
    pub(crate) fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    pub(crate) fn query(mut self, name: &'a str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.query.push((name, value.to_string()));
        }
        self
    }
    pub(crate) fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
    fn safe_to_repeat(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE)
            || self.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
    }
}

impl Api {
    pub(crate) fn new(base: &str, key: &str) -> Result<Self, CliError> {
        let base = base.trim_end_matches('/').to_owned();
        Url::parse(&base).map_err(|err| CliError::usage(format!("--url {base:?} is not a URL: {err}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("agentline-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| CliError::other(format!("cannot make an HTTP client: {err}")))?;
        Ok(Self { http, base, key: key.to_owned() })
    }

    pub(crate) fn url(&self, req: &Req<'_>) -> Result<Url, CliError> {
        let mut url = Url::parse(&format!("{}{}", self.base, req.path))
            .map_err(|err| CliError::usage(format!("bad URL for {}: {err}", req.path)))?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// Sends the request (retrying 429s, and 5xx and lost connections when safe); answers the
    /// response of any status below 400, or the error it maps to.
    pub(crate) async fn send(&self, req: &Req<'_>, timeout: Option<Duration>) -> Result<reqwest::Response, CliError> {
        let url = self.url(req)?;
        let mut attempt = 0;
        loop {
            let mut builder = self.http.request(req.method.clone(), url.clone()).bearer_auth(&self.key);
            builder = builder.timeout(timeout.unwrap_or(Duration::from_secs(30)));
            for (name, value) in &req.headers {
                builder = builder.header(*name, value.as_str());
            }
            if let Some(body) = &req.body {
                builder = builder.json(body);
            }
            let wait = match builder.send().await {
                Err(err) => {
                    if attempt >= RETRIES || !req.safe_to_repeat() {
                        let what = if err.is_timeout() { "timed out" } else { "failed" };
                        return Err(CliError::unreachable(format!(
                            "{} {} {what}: {}",
                            req.method,
                            self.base,
                            error_chain(&err)
                        )));
                    }
                    backoff(attempt)
                }
                Ok(response) => {
                    let status = response.status();
                    let retry =
                        status == StatusCode::TOO_MANY_REQUESTS || (status.is_server_error() && req.safe_to_repeat());
                    if !retry || attempt >= RETRIES {
                        if status.as_u16() >= 400 {
                            return Err(error_of(response).await);
                        }
                        return Ok(response);
                    }
                    match retry_after(&response) {
                        Some(secs) if secs > 60 => return Err(error_of(response).await),
                        Some(secs) => Duration::from_secs(secs),
                        None => backoff(attempt),
                    }
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Sends the request and answers its JSON body.
    pub(crate) async fn json(&self, req: Req<'_>) -> Result<Value, CliError> {
        let response = self.send(&req, None).await?;
        let status = response.status();
        let bytes =
            response.bytes().await.map_err(|err| CliError::unreachable(format!("reading the answer: {err}")))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|err| {
            CliError::server(format!("the server answered {status} with something that is not JSON ({err})"))
        })
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt))
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response.headers().get("retry-after")?.to_str().ok()?.trim().parse().ok()
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The error an answer of status 400 or more stands for, read from `{"error": {"code", "message"}}`
/// when the body has that shape.
pub(crate) async fn error_of(response: reqwest::Response) -> CliError {
    let status = response.status();
    let retry = retry_after(&response);
    let body = response.bytes().await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let code = error.and_then(|e| e["code"].as_str()).unwrap_or("unknown_error").to_owned();
    let mut message = match error.and_then(|e| e["message"].as_str()) {
        Some(message) => message.to_owned(),
        None => {
            let text = String::from_utf8_lossy(&body);
            let text = text.trim();
            if text.is_empty() { status.to_string() } else { text.chars().take(300).collect() }
        }
    };
    if let Some(param) = error.and_then(|e| e["param"].as_str()) {
        message.push_str(&format!(" (param: {param})"));
    }
    if let Some(secs) = retry {
        message.push_str(&format!(" (retry after {secs} s)"));
    }
    CliError::api(status.as_u16(), code, message, parsed)
}
