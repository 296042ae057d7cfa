//! Streaming raw PCM (16-bit little-endian mono, as OpenAI and ElevenLabs send it) to 8 kHz
//! chunks, yielded as soon as each network chunk is decoded so playback starts early.

use crate::error::{SpeechError, with_causes};
use crate::http::{send, within};
use crate::{AudioStream, TELEPHONE_HZ};
use agentline_media::resample::Resampler;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::time::Duration;

/// A stream with nothing to play (e.g. for blank text).
pub(crate) fn silence() -> AudioStream {
    Box::pin(futures_util::stream::empty())
}

/// Sends a text-to-speech request whose response body is raw s16le mono PCM at `from_hz`, and
/// streams it at 8 kHz. `timeout` bounds the wait for the response headers and for each chunk.
pub(crate) async fn request_pcm_8k(
    provider: &'static str,
    request: reqwest::RequestBuilder,
    from_hz: u32,
    timeout: Duration,
) -> Result<AudioStream, SpeechError> {
    let response = within(provider, "the first audio", timeout, send(provider, request)).await?;
    pcm_to_8k(provider, response.bytes_stream(), from_hz, timeout)
}

/// Turns a body of raw s16le mono PCM at `from_hz` into an [`AudioStream`] at 8 kHz.
///
/// Each wait for the next network chunk is bounded by `idle`: a stalled body would otherwise
/// hold the line silent forever. A body error or stall is yielded once as an `Err`, then the
/// stream ends. Dropping the stream drops the body, which aborts the request.
pub(crate) fn pcm_to_8k<S, E>(
    provider: &'static str,
    body: S,
    from_hz: u32,
    idle: Duration,
) -> Result<AudioStream, SpeechError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + 'static,
{
    let decoder = PcmTo8k::new(from_hz).map_err(|error| SpeechError::Unavailable(format!("{provider}: {error}")))?;
    let state = Body { provider, body: Box::pin(body), decoder, idle, done: false };
    Ok(Box::pin(futures_util::stream::unfold(state, next_chunk)))
}

/// The state of one [`pcm_to_8k`] stream.
struct Body<S> {
    provider: &'static str,
    body: Pin<Box<S>>,
    decoder: PcmTo8k,
    idle: Duration,
    done: bool,
}

/// Reads network chunks until one yields audio, the body ends, or it fails.
async fn next_chunk<S, E>(mut state: Body<S>) -> Option<(Result<Vec<i16>, SpeechError>, Body<S>)>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::error::Error,
{
    let provider = state.provider;
    while !state.done {
        let item = match tokio::time::timeout(state.idle, state.body.next()).await {
            Ok(Some(Ok(bytes))) => state.decoder.push(&bytes).map(Ok),
            Ok(None) => {
                state.done = true;
                state.decoder.finish().map(Ok)
            }
            Ok(Some(Err(error))) => Some(Err(SpeechError::protocol(
                provider,
                format!("the audio stream broke off: {}", with_causes(&error)),
            ))),
            Err(_) => Some(Err(SpeechError::Timeout { provider, what: "more audio" })),
        };
        state.done |= matches!(item, Some(Err(_)));
        if let Some(item) = item {
            return Some((item, state));
        }
    }
    None
}

/// Incremental s16le decoding plus resampling to 8 kHz. Network chunks split samples
/// anywhere, so an odd trailing byte is carried over to the next chunk.
struct PcmTo8k {
    carry: Option<u8>,
    resampler: Resampler,
    samples: Vec<i16>,
}

impl PcmTo8k {
    fn new(from_hz: u32) -> Result<Self, agentline_media::resample::ResampleError> {
        Ok(Self { carry: None, resampler: Resampler::new(from_hz, TELEPHONE_HZ)?, samples: Vec::new() })
    }

    /// Decodes `bytes`, returning the 8 kHz audio that is ready (None if none is yet).
    fn push(&mut self, mut bytes: &[u8]) -> Option<Vec<i16>> {
        self.samples.clear();
        if let Some(low) = self.carry.take() {
            let Some((&high, rest)) = bytes.split_first() else {
                self.carry = Some(low);
                return None;
            };
            self.samples.push(i16::from_le_bytes([low, high]));
            bytes = rest;
        }
        let pairs = bytes.chunks_exact(2);
        self.carry = pairs.remainder().first().copied();
        self.samples.extend(pairs.map(|pair| i16::from_le_bytes([pair[0], pair[1]])));
        let mut out = Vec::new();
        self.resampler.process(&self.samples, &mut out);
        non_empty(out)
    }

    /// The resampler's buffered tail, once the body has ended. A dangling odd byte is dropped.
    fn finish(&mut self) -> Option<Vec<i16>> {
        if self.carry.take().is_some() {
            tracing::debug!("PCM body ended on half a sample; dropped it");
        }
        let mut out = Vec::new();
        self.resampler.flush(&mut out);
        non_empty(out)
    }
}

fn non_empty(samples: Vec<i16>) -> Option<Vec<i16>> {
    (!samples.is_empty()).then_some(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|sample| sample.to_le_bytes()).collect()
    }

    #[test]
    fn odd_chunk_boundaries_do_not_shift_samples() {
        // At 8 kHz in, the resampler copies, so decoding is visible sample for sample.
        let mut decoder = PcmTo8k::new(8000).unwrap();
        let bytes = bytes_of(&[0x0102, -3, 0x7f00, 5]);
        assert_eq!(decoder.push(&bytes[..3]), Some(vec![0x0102]));
        assert_eq!(decoder.push(&bytes[3..4]), Some(vec![-3]));
        assert_eq!(decoder.push(&bytes[4..5]), None);
        assert_eq!(decoder.push(&bytes[5..]), Some(vec![0x7f00, 5]));
        assert_eq!(decoder.finish(), None);
    }

    #[tokio::test]
    async fn a_body_error_is_yielded_once_and_ends_the_stream() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from(bytes_of(&[1; 480]))), Err(std::io::Error::other("reset"))];
        let mut stream = pcm_to_8k("test", futures_util::stream::iter(chunks), 24000, Duration::from_secs(1)).unwrap();
        assert!(matches!(stream.next().await, Some(Ok(chunk)) if !chunk.is_empty()));
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(error.to_string().contains("reset"), "{error}");
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn a_stalled_body_times_out() {
        let body = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let mut stream = pcm_to_8k("test", body, 16000, Duration::from_millis(20)).unwrap();
        assert!(matches!(stream.next().await, Some(Err(SpeechError::Timeout { .. }))));
        assert!(stream.next().await.is_none());
    }
}
