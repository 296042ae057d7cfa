//! The batch adapter, with an in-process engine: the adapter is what is under test.

use agentline_speech::{BatchTranscriber, Buffered, SpeechError, SpeechToText};
use std::sync::{Arc, Mutex};

/// Records the length of each utterance it is given.
#[derive(Default)]
struct Recorder {
    lengths: Mutex<Vec<usize>>,
}

#[async_trait::async_trait]
impl BatchTranscriber for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn transcribe(&self, pcm_16k: Vec<i16>) -> Result<String, SpeechError> {
        self.lengths.lock().unwrap().push(pcm_16k.len());
        Ok(format!("{} samples", pcm_16k.len()))
    }
}

/// Pushes `samples` of 8 kHz audio in 20 ms frames and finishes the turn.
async fn turn(stt: &Buffered<Recorder>, samples: usize) -> String {
    let mut stream = stt.open().await.unwrap();
    let audio = crate::support::sine(300.0, 8000, samples);
    for frame in audio.chunks(160) {
        stream.push(frame).await.unwrap();
    }
    stream.finish().await.unwrap()
}

#[tokio::test]
async fn a_turn_is_upsampled_to_16k_and_transcribed_once() {
    let stt = Buffered(Arc::new(Recorder::default()));
    assert_eq!(stt.name(), "recorder");
    assert_eq!(turn(&stt, 8000).await, "16000 samples");
    assert_eq!(*stt.0.lengths.lock().unwrap(), [16000]);
}

#[tokio::test]
async fn under_100_ms_is_silence_without_a_request() {
    let stt = Buffered(Arc::new(Recorder::default()));
    assert_eq!(turn(&stt, 799).await, "");
    assert_eq!(turn(&stt, 800).await, "1600 samples");
    assert_eq!(*stt.0.lengths.lock().unwrap(), [1600]);
}

#[tokio::test]
async fn audio_past_30_seconds_is_dropped() {
    let stt = Buffered(Arc::new(Recorder::default()));
    assert_eq!(turn(&stt, 31 * 8000).await, "480000 samples");
}
