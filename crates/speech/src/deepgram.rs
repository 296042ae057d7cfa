//! Deepgram's live transcription over a WebSocket: audio goes up while the caller speaks and
//! Deepgram transcribes as it comes, so the text is ready moments after the turn ends.
//!
//! Wire protocol: binary messages of raw linear16 audio up; JSON messages down (`Results`,
//! `Metadata`, `SpeechStarted`, `UtteranceEnd`, `Error`). The text message
//! `{"type":"CloseStream"}` asks Deepgram to finish: it sends the last results and closes.

use crate::error::{preview, with_causes};
use crate::http::{endpoint, ensure_crypto_provider, secret_header, within};
use crate::{SpeechError, SpeechToText, SttStream, TELEPHONE_HZ};
use agentline_domain::SecretString;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const PROVIDER: &str = "deepgram";
const CLOSE_STREAM: &str = r#"{"type":"CloseStream"}"#;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Streaming speech-to-text with Deepgram.
#[derive(Debug, Clone)]
pub struct Deepgram {
    /// The listen endpoint, e.g. `wss://api.deepgram.com/v1/listen`.
    pub url: String,
    /// Sent as `Authorization: Token`.
    pub api_key: Option<SecretString>,
    /// e.g. `nova-2`.
    pub model: String,
    /// BCP-47 hint (`en-US`); `None` for the model's default.
    pub language: Option<String>,
    /// Limit for connecting, for sending one frame, and for the final transcript after `finish`.
    pub timeout: Duration,
}

impl Default for Deepgram {
    fn default() -> Self {
        Self {
            url: "wss://api.deepgram.com/v1/listen".into(),
            api_key: None,
            model: "nova-2".into(),
            language: None,
            timeout: Duration::from_secs(5),
        }
    }
}

impl Deepgram {
    /// The upgrade request: audio format and options in the query, the key in a header.
    fn request(&self) -> Result<Request, SpeechError> {
        let mut url = endpoint(PROVIDER, &self.url, &[])?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("encoding", "linear16")
                .append_pair("sample_rate", &TELEPHONE_HZ.to_string())
                .append_pair("channels", "1")
                .append_pair("model", &self.model)
                .append_pair("punctuate", "true")
                .append_pair("interim_results", "false")
                .append_pair("smart_format", "true");
            if let Some(language) = &self.language {
                query.append_pair("language", language);
            }
        }
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|error| SpeechError::Unavailable(format!("{PROVIDER}: bad URL: {error}")))?;
        if let Some(key) = &self.api_key {
            let value = secret_header(PROVIDER, &format!("Token {}", key.expose()))?;
            request.headers_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

#[async_trait::async_trait]
impl SpeechToText for Deepgram {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn open(&self) -> Result<Box<dyn SttStream>, SpeechError> {
        let request = self.request()?;
        ensure_crypto_provider();
        let connect = async {
            // Nagle off: 20 ms frames should leave at once.
            let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
                .await
                .map_err(|error| connect_error(&error))?;
            Ok(socket)
        };
        // Boxed: the TLS handshake state is large and need not live in every caller's future.
        let socket = Box::pin(within(PROVIDER, "the connection", self.timeout, connect)).await?;
        let (sink, source) = socket.split();
        let closing = Arc::new(AtomicBool::new(false));
        let reader = ReaderTask(tokio::spawn(read_results(source, Arc::clone(&closing))));
        Ok(Box::new(DeepgramStream { sink, reader, closing, timeout: self.timeout }))
    }
}

/// A refused upgrade carries Deepgram's HTTP status and reason (bad key, bad model).
fn connect_error(error: &WsError) -> SpeechError {
    match error {
        WsError::Http(response) => {
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            SpeechError::http(PROVIDER, response.status().as_u16(), &body)
        }
        _ => SpeechError::Unavailable(format!("{PROVIDER} cannot be reached: {}", with_causes(error))),
    }
}

/// One turn streaming to Deepgram. Dropping it closes the connection and stops the reader.
struct DeepgramStream {
    sink: SplitSink<Socket, Message>,
    reader: ReaderTask,
    /// Set once CloseStream is on its way, after which a close is the expected end.
    closing: Arc<AtomicBool>,
    timeout: Duration,
}

/// The task reading Deepgram's messages while audio is pushed; aborted when dropped.
struct ReaderTask(JoinHandle<Result<Vec<String>, SpeechError>>);

impl Drop for ReaderTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[async_trait::async_trait]
impl SttStream for DeepgramStream {
    async fn push(&mut self, pcm_8k: &[i16]) -> Result<(), SpeechError> {
        // An empty binary message would tell Deepgram to finish the stream.
        if pcm_8k.is_empty() {
            return Ok(());
        }
        if self.reader.0.is_finished() {
            return Err(SpeechError::protocol(PROVIDER, "the connection closed in the middle of the turn"));
        }
        let bytes: Vec<u8> = pcm_8k.iter().flat_map(|sample| sample.to_le_bytes()).collect();
        let send = async {
            self.sink
                .send(Message::Binary(bytes.into()))
                .await
                .map_err(|error| SpeechError::protocol(PROVIDER, format!("cannot send audio: {}", with_causes(&error))))
        };
        within(PROVIDER, "sending audio", self.timeout, send).await
    }

    async fn finish(self: Box<Self>) -> Result<String, SpeechError> {
        let Self { mut sink, mut reader, closing, timeout } = *self;
        closing.store(true, Ordering::Release);
        let transcript = async {
            if let Err(error) = sink.send(Message::text(CLOSE_STREAM)).await {
                // The reader knows how the connection ended; its verdict is the one to report.
                tracing::debug!(error = %with_causes(&error), "could not send CloseStream to Deepgram");
            }
            (&mut reader.0)
                .await
                .unwrap_or_else(|error| Err(SpeechError::protocol(PROVIDER, format!("reader task failed: {error}"))))
        };
        let finals = within(PROVIDER, "the final transcript", timeout, transcript).await?;
        Ok(finals.join(" "))
    }
}

/// Reads Deepgram's messages until the connection ends, collecting final transcripts.
async fn read_results(mut source: SplitStream<Socket>, closing: Arc<AtomicBool>) -> Result<Vec<String>, SpeechError> {
    let mut finals = Vec::new();
    let problem = loop {
        match source.next().await {
            Some(Ok(Message::Text(text))) => finals.extend(final_transcript(&text)?),
            Some(Ok(Message::Close(frame))) => break close_problem(frame),
            Some(Ok(_)) => {}
            Some(Err(error)) => break Some(format!("the connection dropped: {}", with_causes(&error))),
            None => break Some("the connection ended without a close frame".to_owned()),
        }
    };
    conclude(problem, closing.load(Ordering::Acquire), finals)
}

/// Why a close frame is abnormal (Deepgram closes with 1011 and a reason on errors).
fn close_problem(frame: Option<CloseFrame>) -> Option<String> {
    let frame = frame?;
    (frame.code != CloseCode::Normal)
        .then(|| format!("closed the connection ({}): {}", u16::from(frame.code), frame.reason.as_str()))
}

/// The verdict once the connection has ended: a normal close after CloseStream is the normal
/// end; otherwise whatever final text arrived is still worth returning, and without any it is
/// an error.
fn conclude(problem: Option<String>, closing: bool, finals: Vec<String>) -> Result<Vec<String>, SpeechError> {
    match problem {
        None if closing => Ok(finals),
        _ if !finals.is_empty() => {
            tracing::warn!(problem, closing, "Deepgram ended the stream early; keeping the text received");
            Ok(finals)
        }
        None => Err(SpeechError::protocol(PROVIDER, "closed the connection before the turn was finished")),
        Some(problem) => Err(SpeechError::protocol(PROVIDER, problem)),
    }
}

/// A message from Deepgram; only the fields used.
#[derive(serde::Deserialize)]
struct ServerMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    is_final: bool,
    channel: Option<Channel>,
}

#[derive(serde::Deserialize)]
struct Channel {
    #[serde(default)]
    alternatives: Vec<Alternative>,
}

#[derive(serde::Deserialize)]
struct Alternative {
    #[serde(default)]
    transcript: String,
}

/// The transcript of a final, non-empty `Results` message; `None` for anything else we may
/// ignore. `Error` messages and unreadable JSON are protocol errors.
fn final_transcript(text: &str) -> Result<Option<String>, SpeechError> {
    let message: ServerMessage = serde_json::from_str(text)
        .map_err(|error| SpeechError::protocol(PROVIDER, format!("unreadable message ({error}): {}", preview(text))))?;
    match message.kind.as_str() {
        "Results" if message.is_final => Ok(message
            .channel
            .and_then(|channel| channel.alternatives.into_iter().next())
            .map(|best| best.transcript.trim().to_owned())
            .filter(|transcript| !transcript.is_empty())),
        "Results" | "Metadata" | "SpeechStarted" | "UtteranceEnd" => Ok(None),
        "Error" => Err(SpeechError::protocol(PROVIDER, format!("reported an error: {}", preview(text)))),
        other => {
            tracing::debug!(kind = other, "ignoring an unknown Deepgram message");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_non_empty_results_count() {
        let result = |is_final: bool, text: &str| {
            format!(
                r#"{{"type":"Results","is_final":{is_final},"channel":{{"alternatives":[{{"transcript":"{text}"}}]}}}}"#
            )
        };
        assert_eq!(final_transcript(&result(true, " hello ")).unwrap(), Some("hello".into()));
        assert_eq!(final_transcript(&result(false, "hel")).unwrap(), None);
        assert_eq!(final_transcript(&result(true, "")).unwrap(), None);
        assert_eq!(final_transcript(r#"{"type":"Metadata","request_id":"x"}"#).unwrap(), None);
        assert_eq!(final_transcript(r#"{"type":"SpeechStarted","timestamp":0.1}"#).unwrap(), None);
    }

    #[test]
    fn errors_and_garbage_are_protocol_errors() {
        let error = final_transcript(r#"{"type":"Error","description":"bad audio"}"#).unwrap_err();
        assert!(error.to_string().contains("bad audio"), "{error}");
        assert!(matches!(final_transcript("not json"), Err(SpeechError::Protocol { .. })));
    }

    #[test]
    fn endings_are_judged_by_when_they_come_and_what_arrived() {
        let text = || vec!["hi".to_owned()];
        assert_eq!(conclude(None, true, Vec::new()), Ok(Vec::new()));
        assert_eq!(conclude(Some("reset".into()), true, text()), Ok(text()));
        assert!(conclude(None, false, Vec::new()).is_err());
        assert!(conclude(Some("reset".into()), true, Vec::new()).is_err());
    }

    #[test]
    fn the_request_carries_the_audio_format_and_a_secret_key() {
        let deepgram =
            Deepgram { api_key: Some(SecretString::new("k")), language: Some("en-US".into()), ..Deepgram::default() };
        let request = deepgram.request().unwrap();
        let query = request.uri().query().unwrap();
        assert!(query.starts_with("encoding=linear16&sample_rate=8000&channels=1&model=nova-2"), "{query}");
        assert!(query.ends_with("&language=en-US"), "{query}");
        let auth = &request.headers()["authorization"];
        assert_eq!((auth.to_str().unwrap(), auth.is_sensitive()), ("Token k", true));
        assert!(!format!("{deepgram:?}").contains("\"k\""));
    }
}
