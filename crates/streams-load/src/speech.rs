//! The caller's utterance: a WAV file or espeak-ng's voice, as 20 ms μ-law frames at 8 kHz.

use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_media::resample::Resampler;
use anyhow::{Context, bail};
use std::path::Path;

/// Telephone sample rate.
pub(crate) const RATE_HZ: u32 = 8_000;
/// Samples in one 20 ms frame.
pub(crate) const FRAME_SAMPLES: usize = 160;
/// μ-law code for 0.
pub(crate) const ULAW_SILENCE: u8 = 0xFF;
/// Samples quieter than this (of 32,768) count as silence, when trimming the utterance and
/// when telling a server's audio from a server's silence.
pub(crate) const SILENCE_LEVEL: i16 = 64;

/// The utterance, fitted to the speech burst.
#[derive(Debug)]
pub(crate) struct Utterance {
    /// One 160-byte μ-law frame per 20 ms of the burst.
    pub(crate) frames: Vec<Vec<u8>>,
    /// How much of the burst is voice (the rest is leading silence).
    pub(crate) voiced_ms: u64,
    /// Where it came from, for the report.
    pub(crate) source: String,
}

/// Reads `wav`, or has espeak-ng say `text` at `speed` words per minute, then fits it to
/// `burst_ms` of 8 kHz audio ending on the voice (see [`fit_to_burst`]).
pub(crate) fn load(wav: Option<&Path>, text: &str, speed: u32, burst_ms: u64) -> anyhow::Result<Utterance> {
    let (samples, rate, source) = match wav {
        Some(path) => {
            let (samples, rate) = read_wav(path)?;
            (samples, rate, path.display().to_string())
        }
        None => {
            let (samples, rate) = espeak(text, speed)?;
            (samples, rate, format!("espeak-ng -s {speed} \"{text}\""))
        }
    };
    let pcm = resample(&samples, rate)?;
    let voice = trim_silence(&pcm);
    if voice.is_empty() {
        bail!("the utterance from {source} is silent");
    }
    let burst = fit_to_burst(voice, burst_ms);
    let voiced_ms = (voice.len().min(burst.len()) as u64) * 1_000 / u64::from(RATE_HZ);
    Ok(Utterance { frames: to_ulaw_frames(&burst), voiced_ms, source })
}

/// Mono 16-bit samples and the rate of a WAV file (channels beyond the first are dropped).
fn read_wav(path: &Path) -> anyhow::Result<(Vec<i16>, u32)> {
    let reader = hound::WavReader::open(path).with_context(|| format!("opening {}", path.display()))?;
    read_wav_from(reader)
}

fn read_wav_from<R: std::io::Read>(reader: hound::WavReader<R>) -> anyhow::Result<(Vec<i16>, u32)> {
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        bail!("only 16-bit integer PCM WAV is supported (got {spec:?})");
    }
    let channels = usize::from(spec.channels.max(1));
    let all: Vec<i16> = reader.into_samples::<i16>().collect::<Result<_, _>>()?;
    Ok((all.into_iter().step_by(channels).collect(), spec.sample_rate))
}

/// espeak-ng's rendering of `text`, through a temporary file (its stdout WAV has no length).
fn espeak(text: &str, speed: u32) -> anyhow::Result<(Vec<i16>, u32)> {
    let path = std::env::temp_dir().join(format!("agentline-streams-load-{}.wav", std::process::id()));
    let status = std::process::Command::new("espeak-ng")
        .arg("-s")
        .arg(speed.to_string())
        .arg("-w")
        .arg(&path)
        .arg(text)
        .status()
        .context("running espeak-ng (install it, or pass --speech FILE.wav)")?;
    if !status.success() {
        bail!("espeak-ng failed: {status}");
    }
    let result = read_wav(&path);
    let _ = std::fs::remove_file(&path);
    result
}

fn resample(samples: &[i16], rate: u32) -> anyhow::Result<Vec<i16>> {
    let mut resampler = Resampler::new(rate, RATE_HZ)?;
    let mut out = Vec::with_capacity(samples.len() * RATE_HZ as usize / rate.max(1) as usize + 1);
    resampler.process(samples, &mut out);
    resampler.flush(&mut out);
    Ok(out)
}

/// `pcm` without leading and trailing silence (10 ms windows whose peak is under [`SILENCE_LEVEL`]).
fn trim_silence(pcm: &[i16]) -> &[i16] {
    const WINDOW: usize = 80;
    let loud = |w: &[i16]| w.iter().any(|s| s.unsigned_abs() >= SILENCE_LEVEL.unsigned_abs());
    let windows: Vec<&[i16]> = pcm.chunks(WINDOW).collect();
    let Some(first) = windows.iter().position(|w| loud(w)) else {
        return &[];
    };
    let last = windows.iter().rposition(|w| loud(w)).unwrap_or(first);
    let end = ((last + 1) * WINDOW).min(pcm.len());
    &pcm[first * WINDOW..end]
}

/// Exactly `burst_ms` of audio whose voice ends where the burst ends: a shorter utterance is
/// preceded by silence, a longer one loses its end. So "the last speech frame was sent" is
/// the end of the voice.
pub(crate) fn fit_to_burst(voice: &[i16], burst_ms: u64) -> Vec<i16> {
    let len = (burst_ms * u64::from(RATE_HZ) / 1_000) as usize;
    let len = len.div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES;
    if voice.len() >= len {
        return voice[..len].to_vec();
    }
    let mut burst = vec![0; len - voice.len()];
    burst.extend_from_slice(voice);
    burst
}

fn to_ulaw_frames(pcm: &[i16]) -> Vec<Vec<u8>> {
    pcm.chunks(FRAME_SAMPLES)
        .map(|frame| {
            let mut bytes: Vec<u8> = frame.iter().map(|&s| ulaw_encode(s)).collect();
            bytes.resize(FRAME_SAMPLES, ULAW_SILENCE);
            bytes
        })
        .collect()
}

/// Whether a μ-law payload is silence: every sample under [`SILENCE_LEVEL`].
pub(crate) fn is_silent(ulaw: &[u8]) -> bool {
    ulaw.iter().all(|&b| ulaw_decode(b).unsigned_abs() < SILENCE_LEVEL.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_pads_in_front_and_cuts_the_tail() {
        let short = fit_to_burst(&[1000; 800], 3_000);
        assert_eq!(short.len(), 24_000);
        assert_eq!(short[0], 0);
        assert_eq!(short[23_999], 1000);
        let long = fit_to_burst(&[1000; 30_000], 3_000);
        assert_eq!(long.len(), 24_000);
    }

    #[test]
    fn trim_drops_quiet_edges() {
        let mut pcm = vec![0i16; 800];
        pcm.extend(std::iter::repeat_n(2000, 400));
        pcm.extend(std::iter::repeat_n(3, 800));
        assert_eq!(trim_silence(&pcm).len(), 400);
        assert!(trim_silence(&[0; 100]).is_empty());
    }

    #[test]
    fn silence_detection() {
        assert!(is_silent(&[0xFF, 0x7F, 0xFE]));
        assert!(!is_silent(&[0xFF, ulaw_encode(4000)]));
    }

    #[test]
    fn frames_are_full_160_byte_ulaw() {
        let frames = to_ulaw_frames(&[0; 400]);
        assert_eq!(frames.len(), 3);
        assert!(frames.iter().all(|f| f.len() == FRAME_SAMPLES && is_silent(f)));
    }

    #[test]
    fn reads_16_bit_wav_and_resamples() -> anyhow::Result<()> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        {
            let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
            for i in 0..16_000i32 {
                writer.write_sample(((i % 40) * 500 - 10_000) as i16)?;
                writer.write_sample(0i16)?;
            }
            writer.finalize()?;
        }
        cursor.set_position(0);
        let (samples, rate) = read_wav_from(hound::WavReader::new(cursor)?)?;
        assert_eq!((samples.len(), rate), (16_000, 16_000));
        assert_eq!(resample(&samples, rate)?.len(), 8_000);
        Ok(())
    }
}
