//! `PiperVoice` with the installed voice (scripts/install-piper.sh and scripts/install-moonshine.sh, which
//! scripts/test.sh runs first) and the real espeak-ng. Without the installation these tests fail and say so.

use crate::support::{collect, rms};
use agentline_speech::{PiperVoice, TELEPHONE_HZ, TextToSpeech};
use std::sync::OnceLock;
use std::time::Duration;

fn voice() -> &'static PiperVoice {
    static VOICE: OnceLock<PiperVoice> = OnceLock::new();
    VOICE.get_or_init(|| {
        let dir = agentline_piper::default_dir();
        PiperVoice::load(&dir)
            .unwrap_or_else(|error| panic!("the Piper voice is not usable from {}: {error}", dir.display()))
    })
}

async fn speak(text: &str) -> Vec<Vec<i16>> {
    let work = async { collect(voice().synthesize(text).await.unwrap()).await.unwrap() };
    // Generous: a debug build on a shared two-core machine; on one free core it takes a tenth of the audio.
    tokio::time::timeout(Duration::from_secs(60), work).await.expect("the voice hung")
}

fn seconds(pcm: &[i16]) -> f64 {
    pcm.len() as f64 / f64::from(TELEPHONE_HZ)
}

#[tokio::test]
async fn each_sentence_is_its_own_chunk_at_8_khz() {
    let chunks =
        speak("Yes. I can book a table for four people tomorrow evening at half past seven. Anything else?").await;
    assert_eq!(chunks.len(), 3, "one chunk per sentence");
    // The first chunk holds only "Yes." (and its pause): first audio waits for the first sentence alone.
    assert!(seconds(&chunks[0]) < 1.5, "first chunk {:.2} s", seconds(&chunks[0]));
    assert!(seconds(&chunks[1]) > 2.5, "second chunk {:.2} s", seconds(&chunks[1]));
    for chunk in &chunks {
        assert!(rms(chunk) > 1000.0, "rms {:.0}", rms(chunk));
    }
}

#[tokio::test]
async fn sentences_are_separated_by_a_pause() {
    let chunks = speak("Hello there. Goodbye.").await;
    let tail = &chunks[0][chunks[0].len() - 1600..];
    assert!(tail.iter().all(|&s| s == 0), "the first sentence ends in 0.2 s of silence");
    // The voice may end a sentence in a few milliseconds of digital silence of its own; the added
    // pause is 0.2 s of it, which the last sentence must not have.
    let last = &chunks[1][chunks[1].len() - 1600..];
    assert!(last.iter().any(|&s| s != 0), "no pause after the last sentence");
}

#[tokio::test]
async fn blank_text_is_no_audio() {
    assert!(speak(" ... ").await.is_empty());
}

#[tokio::test]
async fn a_long_first_sentence_starts_with_its_first_clause() {
    let chunks = speak("That sounds good, please send me the details.").await;
    assert_eq!(chunks.len(), 2, "the first clause, then the rest");
    for chunk in &chunks {
        eprintln!("{:.2} s rms {:.0}", seconds(chunk), rms(chunk));
        assert!(seconds(chunk) > 0.5 && rms(chunk) > 1000.0, "{:.2} s, rms {:.0}", seconds(chunk), rms(chunk));
    }
}
