//! The installed voice speaks: real espeak-ng, real model, real ONNX Runtime.
//!
//! These tests need `scripts/install-piper.sh` and `scripts/install-moonshine.sh` (for the ONNX Runtime
//! library) to have run, as `scripts/test.sh` does first; without them they fail and say so, because a skipped
//! test proves nothing.

use agentline_piper::{Piper, PiperError};
use std::sync::OnceLock;

/// One voice for the whole file: loading takes a second, and a process can open one runtime.
fn voice() -> &'static Piper {
    static VOICE: OnceLock<Piper> = OnceLock::new();
    VOICE.get_or_init(|| {
        let dir = agentline_piper::default_dir();
        Piper::load(&dir).unwrap_or_else(|error| {
            panic!("the Piper voice is not usable from {}: {error}\nrun scripts/install-piper.sh and scripts/install-moonshine.sh (or scripts/install-deps.sh)", dir.display())
        })
    })
}

fn seconds(pcm: &[i16]) -> f64 {
    pcm.len() as f64 / f64::from(voice().sample_rate())
}

fn rms(pcm: &[i16]) -> f64 {
    let sum: f64 = pcm.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / pcm.len().max(1) as f64).sqrt()
}

/// Share of samples at full scale: a clipped signal has runs of them.
fn clipped_share(pcm: &[i16]) -> f64 {
    pcm.iter().filter(|&&s| s == i16::MAX || s == i16::MIN).count() as f64 / pcm.len().max(1) as f64
}

#[tokio::test]
async fn a_sentence_sounds_like_speech() {
    let text = "Hello, this is Sam speaking. Could we move the appointment to Thursday?";
    let pcm = voice().synthesize(text).await.expect("synthesis");
    let secs = seconds(&pcm);
    // 12 words: at 120–220 words a minute, 3.3–6 s, plus a sentence pause.
    assert!((3.0..7.0).contains(&secs), "{secs:.2} s of audio for 12 words");
    let level = rms(&pcm);
    assert!(level > 1000.0, "RMS {level:.0}: near silence");
    assert!(clipped_share(&pcm) < 0.001, "{:.3}% of samples at full scale", clipped_share(&pcm) * 100.0);
    // Speech has pauses and syllables: its loudness varies a lot between 50 ms windows.
    let windows: Vec<f64> = pcm.chunks(1102).map(rms).collect();
    let loud = windows.iter().filter(|&&w| w > level * 0.5).count();
    let quiet = windows.iter().filter(|&&w| w < level * 0.1).count();
    assert!(loud > 10 && quiet > 2, "{loud} loud and {quiet} quiet windows of {}: not speech-like", windows.len());
}

#[tokio::test]
async fn longer_text_takes_longer() {
    let short = voice().synthesize("Yes.").await.expect("short");
    let long = voice()
        .synthesize("Yes, I can book a table for four people tomorrow evening at half past seven.")
        .await
        .expect("long");
    assert!(seconds(&short) < 1.5, "'Yes.' lasted {:.2} s", seconds(&short));
    assert!(seconds(&long) > 3.0 * seconds(&short), "{:.2} s vs {:.2} s", seconds(&long), seconds(&short));
}

#[tokio::test]
async fn nothing_to_say_is_no_audio() {
    assert!(voice().synthesize("  ...  ").await.expect("blank").is_empty());
}

#[tokio::test]
async fn odd_input_never_panics() {
    let texts = ["-v --help", "日本語のテキスト", "🙂🙂🙂", "$5.99 @ 7:30, e.g. 3.5%", "a", &"word ".repeat(60)];
    for text in texts {
        let result = voice().synthesize(text).await;
        assert!(result.is_ok(), "{text:.40}: {result:?}");
    }
}

#[tokio::test]
async fn a_truncated_model_is_refused_with_a_reason() {
    voice(); // the runtime must be open; the broken copy borrows it
    let dir = tempfile::tempdir().unwrap();
    let installed = agentline_piper::default_dir();
    let config = std::fs::read(installed.join(agentline_piper::CONFIG_FILE)).unwrap();
    let model = std::fs::read(installed.join(agentline_piper::MODEL_FILE)).unwrap();
    std::fs::write(dir.path().join(agentline_piper::CONFIG_FILE), config).unwrap();
    std::fs::write(dir.path().join(agentline_piper::MODEL_FILE), &model[..model.len() / 3]).unwrap();
    let error = Piper::load(dir.path()).expect_err("a third of a model");
    assert!(matches!(error, PiperError::Model { .. }), "{error}");
}
