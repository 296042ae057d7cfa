//! Is this 20 ms frame a steady pure tone, such as an answering machine's beep? Goertzel filters at
//! every 25 Hz from 400 to 2,000 Hz measure how much of the frame's energy sits at one frequency;
//! a beep puts nearly all of it there, speech spreads it over harmonics and formants.
//!
//! [`ToneDetector`] reports a tone once the same frequency (within 50 Hz) held for
//! [`MIN_TONE_FRAMES`] frames in a row, loud enough to be heard.

use crate::FRAME_SAMPLES;

const SAMPLE_RATE: f32 = 8_000.0;
const LOWEST_HZ: u32 = 400;
const HIGHEST_HZ: u32 = 2_000;
const STEP_HZ: u32 = 25;
/// Share of a frame's energy at one frequency that makes it a pure tone. A sine halfway between two
/// filters keeps about 0.8 of it; vowels stay well below 0.5.
const PURITY: f32 = 0.6;
/// Quieter frames are not tones (RMS of 16-bit samples; about -44 dBFS).
const MIN_RMS: f32 = 200.0;
/// Frames of the same tone before it counts: 120 ms (beeps last a quarter to a whole second).
pub const MIN_TONE_FRAMES: u32 = 6;
/// Frequencies within this of each other are the same tone.
const SAME_TONE_HZ: u32 = 50;

/// The strongest pure tone of one frame, if the frame is one: its frequency in Hz.
pub fn pure_tone(frame: &[i16; FRAME_SAMPLES]) -> Option<u32> {
    let samples: Vec<f32> = frame.iter().map(|&s| f32::from(s)).collect();
    let energy: f32 = samples.iter().map(|s| s * s).sum();
    if (energy / FRAME_SAMPLES as f32).sqrt() < MIN_RMS {
        return None;
    }
    let (hz, power) = (LOWEST_HZ..=HIGHEST_HZ)
        .step_by(STEP_HZ as usize)
        .map(|hz| (hz, goertzel_power(&samples, hz as f32)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    // A sine of amplitude A over N samples: |X|² = (A·N/2)², energy = A²·N/2, so |X|² / (N/2 · energy) = 1.
    let share = power / (FRAME_SAMPLES as f32 / 2.0 * energy);
    (share >= PURITY).then_some(hz)
}

/// |X(f)|² of `samples` by the Goertzel recurrence.
fn goertzel_power(samples: &[f32], hz: f32) -> f32 {
    let coefficient = 2.0 * (2.0 * std::f32::consts::PI * hz / SAMPLE_RATE).cos();
    let (mut previous, mut before) = (0.0f32, 0.0f32);
    for &sample in samples {
        let current = sample + coefficient * previous - before;
        before = previous;
        previous = current;
    }
    previous * previous + before * before - coefficient * previous * before
}

/// Follows frames and says when a steady tone is sounding.
#[derive(Debug, Default)]
pub struct ToneDetector {
    run: u32,
    hz: Option<u32>,
}

impl ToneDetector {
    /// Whether a tone has held for [`MIN_TONE_FRAMES`] frames up to and including this one.
    pub fn is_tone(&mut self, frame: &[i16; FRAME_SAMPLES]) -> bool {
        match (pure_tone(frame), self.hz) {
            (Some(hz), Some(held)) if hz.abs_diff(held) <= SAME_TONE_HZ => self.run += 1,
            (Some(hz), _) => (self.run, self.hz) = (1, Some(hz)),
            (None, _) => (self.run, self.hz) = (0, None),
        }
        self.run >= MIN_TONE_FRAMES
    }
}

/// `seconds` of a sine at `hz` and amplitude `amplitude`, 8 kHz (a beep for tests and the sandbox).
pub fn sine(hz: f32, seconds: f32, amplitude: f32) -> Vec<i16> {
    let samples = (seconds * SAMPLE_RATE) as usize;
    (0..samples)
        .map(|i| (amplitude * (2.0 * std::f32::consts::PI * hz * i as f32 / SAMPLE_RATE).sin()) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pcm: &[i16]) -> impl Iterator<Item = [i16; FRAME_SAMPLES]> + '_ {
        pcm.chunks_exact(FRAME_SAMPLES).map(|chunk| chunk.try_into().unwrap())
    }

    #[test]
    fn beeps_of_common_pitches_are_pure_tones() {
        for hz in [440.0, 850.0, 1000.0, 1012.5, 1400.0, 1990.0] {
            let beep = sine(hz, 0.1, 8_000.0);
            let found = frames(&beep).filter_map(|f| pure_tone(&f)).next();
            let found = found.unwrap_or_else(|| panic!("{hz} Hz not found"));
            assert!((found as f32 - hz).abs() <= 12.5, "{hz} Hz found as {found}");
        }
    }

    #[test]
    fn quiet_noise_and_chords_are_not() {
        assert_eq!(pure_tone(&[0; FRAME_SAMPLES]), None);
        let faint = sine(1000.0, 0.02, 100.0);
        assert_eq!(pure_tone(&faint.try_into().unwrap()), None, "below the level floor");
        let mut seed = 7u32;
        let noise: Vec<i16> = (0..FRAME_SAMPLES)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((seed >> 16) as i16) / 4
            })
            .collect();
        assert_eq!(pure_tone(&noise.try_into().unwrap()), None);
        // A vowel-like sound: a 140 Hz voice with many harmonics.
        let voice: Vec<i16> = (0..FRAME_SAMPLES)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE;
                (1..=20)
                    .map(|k| 2_000.0 / k as f32 * (2.0 * std::f32::consts::PI * 140.0 * k as f32 * t).sin())
                    .sum::<f32>() as i16
            })
            .collect();
        assert_eq!(pure_tone(&voice.try_into().unwrap()), None);
    }

    #[test]
    fn a_tone_counts_once_it_held_for_six_frames() {
        let mut detector = ToneDetector::default();
        let beep = sine(1000.0, 0.2, 8_000.0);
        let heard: Vec<bool> = frames(&beep).map(|f| detector.is_tone(&f)).collect();
        assert_eq!(heard, [false, false, false, false, false, true, true, true, true, true]);
        assert!(!detector.is_tone(&[0; FRAME_SAMPLES]), "silence ends it");
        let mut switching = ToneDetector::default();
        let (low, high) = (sine(600.0, 0.02, 8_000.0), sine(1_400.0, 0.02, 8_000.0));
        let alternating = (0..10).map(|i| if i % 2 == 0 { &low } else { &high });
        assert!(!alternating.into_iter().any(|f| switching.is_tone(&f[..].try_into().unwrap())));
    }
}
