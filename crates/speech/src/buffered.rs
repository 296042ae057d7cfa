//! [`Buffered`]: runs a batch engine as a [`SpeechToText`] by collecting the turn's audio and
//! transcribing it all at once when the turn ends.

use crate::{BatchTranscriber, SpeechError, SpeechToText, SttStream, TELEPHONE_HZ};
use std::sync::Arc;

/// Longest turn kept: 30 s. Batch engines (Whisper) take at most 30 s per request, and this
/// bounds memory for a caller who never stops talking.
const MAX_SAMPLES: usize = 30 * TELEPHONE_HZ as usize;
/// Shortest turn sent: 100 ms. Less is a click, not speech, and not worth a request.
const MIN_SAMPLES: usize = TELEPHONE_HZ as usize / 10;

/// Adapts any [`BatchTranscriber`] to [`SpeechToText`]: buffers pushes (up to 30 s, dropping
/// audio beyond), upsamples 8 kHz to 16 kHz at `finish` and calls `transcribe`. Less than
/// 100 ms of audio gives `""` without a request.
pub struct Buffered<T: BatchTranscriber>(pub Arc<T>);

impl<T: BatchTranscriber> Clone for Buffered<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

#[async_trait::async_trait]
impl<T: BatchTranscriber> SpeechToText for Buffered<T> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    async fn open(&self) -> Result<Box<dyn SttStream>, SpeechError> {
        Ok(Box::new(Turn { engine: Arc::clone(&self.0), pcm_8k: Vec::new(), dropped: 0 }))
    }

    fn drafts_are_cheap(&self) -> bool {
        self.0.runs_locally()
    }
}

/// One turn's audio, collected.
struct Turn<T> {
    engine: Arc<T>,
    pcm_8k: Vec<i16>,
    /// Samples dropped past the cap.
    dropped: usize,
}

#[async_trait::async_trait]
impl<T: BatchTranscriber> SttStream for Turn<T> {
    async fn push(&mut self, pcm_8k: &[i16]) -> Result<(), SpeechError> {
        let room = MAX_SAMPLES - self.pcm_8k.len();
        let kept = pcm_8k.len().min(room);
        self.pcm_8k.extend_from_slice(&pcm_8k[..kept]);
        self.dropped += pcm_8k.len() - kept;
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<String, SpeechError> {
        if self.dropped > 0 {
            let seconds = self.dropped as f64 / f64::from(TELEPHONE_HZ);
            tracing::warn!(engine = self.engine.name(), seconds, "turn longer than 30 s; transcribing its start only");
        }
        if self.pcm_8k.len() < MIN_SAMPLES {
            return Ok(String::new());
        }
        let mut pcm_16k = Vec::with_capacity(self.pcm_8k.len() * 2);
        agentline_media::resample::upsample_8k_to_16k(&self.pcm_8k, &mut pcm_16k);
        self.engine.transcribe(pcm_16k).await
    }
}
