//! Stand-in engines: a fixed transcript and fixed audio after fixed delays. Tests and benchmarks use
//! them where a real engine's time and variability would hide what is measured; the rest of the
//! pipeline (streams, cancellation, pacing) runs exactly as with a vendor.

use crate::{AudioStream, SpeechError, SpeechToText, SttStream, TELEPHONE_HZ, TextToSpeech};
use std::time::Duration;

/// Hears every turn as `transcript`, `delay` after the turn ends.
#[derive(Clone, Debug)]
pub struct StandInStt {
    pub transcript: String,
    pub delay: Duration,
}

#[async_trait::async_trait]
impl SpeechToText for StandInStt {
    fn name(&self) -> &'static str {
        "stand_in"
    }

    async fn open(&self) -> Result<Box<dyn SttStream>, SpeechError> {
        Ok(Box::new(self.clone()))
    }
}

#[async_trait::async_trait]
impl SttStream for StandInStt {
    async fn push(&mut self, _pcm_8k: &[i16]) -> Result<(), SpeechError> {
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<String, SpeechError> {
        tokio::time::sleep(self.delay).await;
        Ok(self.transcript)
    }
}

/// Speaks every sentence as `audio` of a steady 440 Hz tone, starting `delay` after it is asked.
#[derive(Clone, Debug)]
pub struct StandInTts {
    pub audio: Duration,
    pub delay: Duration,
}

/// Samples per chunk handed out: 20 ms, as a streaming vendor would.
const CHUNK: usize = TELEPHONE_HZ as usize / 50;

#[async_trait::async_trait]
impl TextToSpeech for StandInTts {
    fn name(&self) -> &'static str {
        "stand_in"
    }

    async fn synthesize(&self, _text: &str) -> Result<AudioStream, SpeechError> {
        tokio::time::sleep(self.delay).await;
        let samples = (self.audio.as_secs_f64() * f64::from(TELEPHONE_HZ)).round() as usize;
        let tone: Vec<i16> = (0..samples).map(tone_sample).collect();
        let chunks: Vec<Result<Vec<i16>, SpeechError>> = tone.chunks(CHUNK).map(|c| Ok(c.to_vec())).collect();
        Ok(Box::pin(futures_util::stream::iter(chunks)))
    }
}

fn tone_sample(n: usize) -> i16 {
    let phase = 2.0 * std::f64::consts::PI * 440.0 * n as f64 / f64::from(TELEPHONE_HZ);
    (phase.sin() * 8_000.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[tokio::test(start_paused = true)]
    async fn the_transcript_comes_after_its_delay() {
        let stt = StandInStt { transcript: "book me in".into(), delay: Duration::from_millis(250) };
        let mut turn = stt.open().await.unwrap();
        turn.push(&[0; 160]).await.unwrap();
        let started = tokio::time::Instant::now();
        assert_eq!(turn.finish().await.unwrap(), "book me in");
        assert_eq!(started.elapsed(), Duration::from_millis(250));
    }

    #[tokio::test(start_paused = true)]
    async fn the_audio_comes_after_its_delay_and_lasts_as_asked() {
        let tts = StandInTts { audio: Duration::from_millis(2_000), delay: Duration::from_millis(350) };
        let started = tokio::time::Instant::now();
        let stream = tts.synthesize("Sure.").await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(350));
        let chunks: Vec<Vec<i16>> = stream.map(Result::unwrap).collect().await;
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 16_000);
        assert!(chunks.iter().all(|c| c.len() <= CHUNK));
        assert!(chunks[0].iter().any(|s| s.unsigned_abs() > 4_000), "the tone is audible");
    }
}
