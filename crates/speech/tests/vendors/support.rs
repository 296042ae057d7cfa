//! Helpers shared by the stand-in servers and their tests.

use agentline_speech::{AudioStream, SpeechError};
use futures_util::StreamExt;
use std::time::Duration;

/// Every test gives up after this, so a client that hangs fails instead of blocking the run.
pub(crate) const TEST_LIMIT: Duration = Duration::from_secs(2);

/// Serves `router` on a free loopback port; returns `http://127.0.0.1:PORT`.
pub(crate) async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

/// Runs `work`, failing the test if it takes longer than [`TEST_LIMIT`].
pub(crate) async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, work).await.expect("the client hung")
}

pub(crate) fn sine(frequency: f64, rate: u32, len: usize) -> Vec<i16> {
    let step = 2.0 * std::f64::consts::PI * frequency / f64::from(rate);
    (0..len).map(|i| (8000.0 * (step * i as f64).sin()) as i16).collect()
}

pub(crate) fn le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|sample| sample.to_le_bytes()).collect()
}

pub(crate) fn zero_crossings(samples: &[i16]) -> usize {
    samples.windows(2).filter(|pair| (pair[0] < 0) != (pair[1] < 0)).count()
}

pub(crate) fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&sample| f64::from(sample).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

/// Asserts `actual` is within `percent` of `expected`.
pub(crate) fn assert_near(actual: usize, expected: usize, percent: f64) {
    let off = (actual as f64 - expected as f64).abs() / expected as f64 * 100.0;
    assert!(off <= percent, "{actual} is {off:.1} % away from {expected}");
}

/// Reads a whole audio stream: its chunks, or the first error.
pub(crate) async fn collect(mut stream: AudioStream) -> Result<Vec<Vec<i16>>, SpeechError> {
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next().await {
        chunks.push(chunk?);
    }
    Ok(chunks)
}

/// One step of a scripted streaming response body.
pub(crate) enum Step {
    /// Sends these bytes as one chunk.
    Send(Vec<u8>),
    /// Waits until the test says go.
    WaitFor(std::sync::Arc<tokio::sync::Notify>),
    /// Pauses.
    Sleep(Duration),
    /// Breaks the body off with an error (the connection is aborted).
    Fail,
}

/// A response body that plays `steps` in order, like a vendor streaming audio as it renders.
pub(crate) fn scripted_body(steps: Vec<Step>) -> axum::body::Body {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        for step in steps {
            let item = match step {
                Step::Send(bytes) => Ok(bytes.into()),
                Step::WaitFor(go) => {
                    go.notified().await;
                    continue;
                }
                Step::Sleep(pause) => {
                    tokio::time::sleep(pause).await;
                    continue;
                }
                Step::Fail => Err(std::io::Error::other("upstream reset")),
            };
            if sender.send(item).await.is_err() {
                return;
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    axum::body::Body::from_stream(body)
}
