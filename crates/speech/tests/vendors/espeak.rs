//! `Espeak` with the real espeak-ng binary.

use crate::support::{bounded, collect, rms};
use agentline_speech::{Espeak, TextToSpeech};

async fn speak(espeak: Espeak, text: &str) -> Vec<i16> {
    bounded(async { collect(espeak.synthesize(text).await.unwrap()).await.unwrap() }).await.concat()
}

#[tokio::test]
async fn hello_world_is_plausible_telephone_audio() {
    let audio = speak(Espeak::default(), "hello world").await;
    assert!((4000..=24_000).contains(&audio.len()), "{} samples at 8 kHz", audio.len());
    assert!(rms(&audio) > 300.0, "rms {}", rms(&audio));
}

#[tokio::test]
async fn voice_and_speed_are_passed_on() {
    let at = |words_per_minute| Espeak { voice: Some("en-us".into()), words_per_minute: Some(words_per_minute) };
    let (slow, fast) = (speak(at(90), "hello world").await, speak(at(350), "hello world").await);
    assert!(slow.len() > fast.len() * 3 / 2, "slow {} vs fast {} samples", slow.len(), fast.len());
}
