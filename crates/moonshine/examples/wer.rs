//! Word error rate and cost of Moonshine on telephone-like speech (espeak-ng through a G.711 phone band).
//!
//!     scripts/install-moonshine.sh
//!     cargo run --release --example wer            # from crates/moonshine; pin with `taskset -c 0` for 1 core
//!
//! Prints, per phrase, the reference, the hypothesis and its errors; then the total WER, CPU-seconds per
//! second of audio (process CPU time over all threads, model already loaded), load time and peak RSS.
//! Finally the eight phrases as one long turn, which is cut into pieces of at most 20 s.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use agentline_moonshine::wer::{WordErrors, word_errors};
use agentline_moonshine::{Moonshine, default_dir};
use support::{PHRASES, cpu_seconds, peak_rss_mib, phone_speech, seconds};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let audio = PHRASES.iter().map(|p| phone_speech(p)).collect::<Result<Vec<_>, _>>()?;

    let dir = default_dir();
    let started = Instant::now();
    let moonshine = Moonshine::load(&dir)?;
    println!("model: {} (loaded in {:.2} s)\n", dir.display(), started.elapsed().as_secs_f64());

    let (mut total, mut audio_s, mut cpu_s, mut wall_s) = (WordErrors::default(), 0.0, 0.0, 0.0);
    for (phrase, pcm) in PHRASES.iter().zip(&audio) {
        let (cpu, wall) = (cpu_seconds(), Instant::now());
        let text = moonshine.transcribe(pcm)?;
        let (cpu, wall) = (cpu_seconds() - cpu, wall.elapsed().as_secs_f64());
        let errors = word_errors(phrase, &text);
        println!("ref: {phrase}\nhyp: {text}");
        println!(
            "     {}/{} errors, {:.2} s audio, {wall:.2} s wall, {cpu:.2} s CPU\n",
            errors.errors,
            errors.reference_words,
            seconds(pcm)
        );
        total += errors;
        audio_s += seconds(pcm);
        cpu_s += cpu;
        wall_s += wall;
    }
    println!(
        "total: WER {:.1} % ({}/{} words), {audio_s:.1} s audio, {:.3} CPU-s per audio-s, {:.3} wall-s per audio-s",
        100.0 * total.rate(),
        total.errors,
        total.reference_words,
        cpu_s / audio_s,
        wall_s / audio_s
    );

    let rss_after_phrases = peak_rss_mib();

    let long: Vec<i16> = audio.concat();
    let reference = PHRASES.join(" ");
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let text = moonshine.transcribe(&long)?;
    let (cpu, wall) = (cpu_seconds() - cpu, wall.elapsed().as_secs_f64());
    let errors = word_errors(&reference, &text);
    println!(
        "long turn (all 8 in one call, {:.1} s): WER {:.1} % ({}/{}), {:.3} CPU-s per audio-s, {wall:.2} s wall",
        seconds(&long),
        100.0 * errors.rate(),
        errors.errors,
        errors.reference_words,
        cpu / seconds(&long)
    );
    println!("hyp: {text}");
    if let (Some(phrases), Some(long)) = (rss_after_phrases, peak_rss_mib()) {
        println!("peak RSS: {phrases:.0} MiB after the phrases, {long:.0} MiB after the long turn");
    }
    Ok(())
}
