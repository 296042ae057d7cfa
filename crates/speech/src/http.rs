//! What the HTTP engines share: one lazily built reqwest client per engine value, URL building,
//! auth headers and the mapping of transport failures to [`SpeechError`].

use crate::error::{SpeechError, with_causes};
use reqwest::header::HeaderValue;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use url::Url;

/// How long a TCP + TLS connect may take; per-request limits come from each engine's `timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Installs ring as the process's rustls crypto provider unless one is installed already.
/// reqwest (built with `rustls-no-provider`) and tungstenite's `wss://` panic without one.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: any provider will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// An HTTP client built on first use and then shared by every clone of the engine holding it,
/// so connections (and their TLS sessions) are reused across sentences and turns.
#[derive(Clone, Default)]
pub struct HttpClient(Arc<OnceLock<reqwest::Client>>);

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("built", &self.0.get().is_some()).finish()
    }
}

impl HttpClient {
    /// The client, building it the first time.
    pub(crate) fn get(&self) -> Result<reqwest::Client, SpeechError> {
        if let Some(client) = self.0.get() {
            return Ok(client.clone());
        }
        ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|error| SpeechError::Unavailable(format!("cannot set up HTTP: {}", with_causes(&error))))?;
        Ok(self.0.get_or_init(|| client).clone())
    }
}

/// `base` with `segments` appended as path segments (each percent-encoded).
pub(crate) fn endpoint(provider: &'static str, base: &str, segments: &[&str]) -> Result<Url, SpeechError> {
    let invalid = |why: String| SpeechError::Unavailable(format!("{provider}: invalid URL {base:?}: {why}"));
    let mut url = Url::parse(base).map_err(|error| invalid(error.to_string()))?;
    url.path_segments_mut().map_err(|()| invalid("it cannot have a path".into()))?.pop_if_empty().extend(segments);
    Ok(url)
}

/// A header value carrying a secret: marked sensitive so that it is never logged by the stack.
pub(crate) fn secret_header(provider: &'static str, value: &str) -> Result<HeaderValue, SpeechError> {
    let mut header = HeaderValue::from_str(value)
        .map_err(|_| SpeechError::Unavailable(format!("{provider}: the API key is not a valid header value")))?;
    header.set_sensitive(true);
    Ok(header)
}

/// Runs `work`, failing with [`SpeechError::Timeout`] if it takes longer than `limit`.
pub(crate) async fn within<T>(
    provider: &'static str,
    what: &'static str,
    limit: Duration,
    work: impl Future<Output = Result<T, SpeechError>>,
) -> Result<T, SpeechError> {
    tokio::time::timeout(limit, work).await.unwrap_or(Err(SpeechError::Timeout { provider, what }))
}

/// Sends `request`; a non-2xx status becomes [`SpeechError::Http`] with the start of the body.
pub(crate) async fn send(
    provider: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, SpeechError> {
    let response = request.send().await.map_err(|error| transport_error(provider, &error))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_else(|error| format!("(body unreadable: {error})"));
    Err(SpeechError::http(provider, status.as_u16(), &body))
}

/// Maps a reqwest failure: unreachable hosts are `Unavailable`, bad bodies `Protocol`.
pub(crate) fn transport_error(provider: &'static str, error: &reqwest::Error) -> SpeechError {
    let detail = with_causes(error);
    if error.is_timeout() {
        SpeechError::Timeout { provider, what: "a response" }
    } else if error.is_connect() {
        SpeechError::Unavailable(format!("{provider} cannot be reached: {detail}"))
    } else if error.is_decode() || error.is_body() {
        SpeechError::protocol(provider, detail)
    } else {
        SpeechError::Io(format!("{provider}: {detail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path_and_encode_segments() {
        let url = endpoint("x", "https://api.example.com/v1/", &["audio", "speech"]).unwrap();
        assert_eq!(url.as_str(), "https://api.example.com/v1/audio/speech");
        let url = endpoint("x", "http://127.0.0.1:9", &["v1", "voice/../id"]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/v1/voice%2F..%2Fid");
        assert!(matches!(endpoint("x", "not a url", &[]), Err(SpeechError::Unavailable(_))));
    }

    #[test]
    fn secret_headers_are_sensitive() {
        assert!(secret_header("x", "k").unwrap().is_sensitive());
        assert!(secret_header("x", "bad\nkey").is_err());
    }
}
