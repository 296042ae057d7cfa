//! The offline voice and the offline recogniser, end to end on telephone audio: sentences the
//! neural voice speaks (8 kHz, as the phone line carries them) must come back from the local
//! recogniser nearly word for word. Both engines share the process's one ONNX Runtime, which this
//! also proves. The sentences are not the sandbox callee's lines (those were listened to while
//! building the engines); they are held out.
//!
//! Needs the installed models (`scripts/install-deps.sh` installs both); fails, naming the
//! script, when they are missing.

use agentline_media::resample::Resampler;
use agentline_moonshine::Moonshine;
use agentline_moonshine::wer::word_errors;
use agentline_speech::{PiperVoice, TextToSpeech};
use futures_util::StreamExt;

const HELD_OUT: &[&str] = &[
    "Could you confirm your appointment for Thursday afternoon?",
    "The package will arrive tomorrow morning.",
    "Please call us back when you have a moment.",
    "Your order has been shipped to your home address.",
    "We have a table for two available this evening.",
    "Thank you for your patience, and have a great day.",
];

async fn speak(voice: &PiperVoice, text: &str) -> Vec<i16> {
    let mut audio = voice.synthesize(text).await.expect("the voice speaks");
    let mut pcm = Vec::new();
    while let Some(chunk) = audio.next().await {
        pcm.extend(chunk.expect("a chunk of speech"));
    }
    pcm
}

fn to_16k(pcm_8k: &[i16]) -> Vec<i16> {
    let mut resampler = Resampler::new(8_000, 16_000).expect("8 to 16 kHz");
    let mut out = Vec::with_capacity(pcm_8k.len() * 2 + 320);
    resampler.process(pcm_8k, &mut out);
    resampler.flush(&mut out);
    out
}

#[tokio::test]
async fn the_recogniser_understands_the_neural_voice_on_a_phone_line() {
    let voice = PiperVoice::load(&agentline_piper::default_dir())
        .unwrap_or_else(|e| panic!("{e} (run scripts/install-piper.sh)"));
    let recogniser = Moonshine::load(&agentline_moonshine::default_dir())
        .unwrap_or_else(|e| panic!("{e} (run scripts/install-moonshine.sh)"));
    let (mut errors, mut words) = (0, 0);
    let mut heard = Vec::new();
    for sentence in HELD_OUT {
        let pcm = to_16k(&speak(&voice, sentence).await);
        let text = recogniser.transcribe(&pcm).expect("the recogniser runs");
        let counted = word_errors(sentence, &text);
        (errors, words) = (errors + counted.errors, words + counted.reference_words);
        heard.push(text);
    }
    let rate = errors as f64 / words as f64;
    assert!(words >= 40, "{words} words");
    assert!(rate <= 0.10, "word error rate {:.1} % ({errors} of {words}): {heard:#?}", rate * 100.0);
}
