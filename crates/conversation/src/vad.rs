//! Voice activity detection on 8 kHz telephone frames, with earshot's neural detector (which
//! wants 16 kHz in 256-sample windows) behind an energy gate: line hiss and digital silence
//! never count as speech however the network scores them.

#[cfg(test)]
use crate::FRAME_SAMPLES;

/// Samples per earshot window (16 ms at 16 kHz).
const WINDOW: usize = 256;
/// Quiet frames in a row after which the network is no longer asked (200 ms): shorter dips, as
/// between syllables, keep its context; a real pause costs nothing until speech returns.
const QUIET_FRAMES_BEFORE_IDLE: u32 = 10;

/// Says whether each 20 ms frame of 8 kHz audio holds speech.
pub struct VoiceDetector {
    detector: Box<earshot::Detector>,
    threshold: f32,
    /// Frames quieter than this RMS are silence without asking the network.
    energy_floor: f32,
    /// 16 kHz samples waiting to fill a window.
    pending: Vec<i16>,
    /// The last window's score, carried to frames that complete no window.
    last_score: f32,
    /// The previous frame's last sample, for interpolating across frame edges.
    previous: i16,
    /// Frames in a row below the energy floor.
    quiet_frames: u32,
}

impl std::fmt::Debug for VoiceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceDetector").field("threshold", &self.threshold).finish_non_exhaustive()
    }
}

impl Default for VoiceDetector {
    fn default() -> Self {
        Self::new(0.5, 300.0)
    }
}

impl VoiceDetector {
    /// `threshold`: earshot score (0–1) at or above which a window is speech; `energy_floor`:
    /// RMS (of full scale 32,768) below which a frame is silence.
    pub fn new(threshold: f32, energy_floor: f32) -> Self {
        Self {
            detector: earshot::Detector::default_boxed(),
            threshold,
            energy_floor,
            pending: Vec::with_capacity(WINDOW * 2),
            last_score: 0.0,
            previous: 0,
            quiet_frames: 0,
        }
    }

    /// Whether `frame` (160 samples at 8 kHz; other lengths are scored as they are) is speech.
    pub fn is_speech(&mut self, frame: &[i16]) -> bool {
        let loud = rms(frame) >= self.energy_floor;
        self.quiet_frames = if loud { 0 } else { self.quiet_frames.saturating_add(1) };
        if self.quiet_frames > QUIET_FRAMES_BEFORE_IDLE {
            // A pause: silence without asking the network (its score could not count anyway),
            // which then starts afresh when speech returns.
            if self.quiet_frames == QUIET_FRAMES_BEFORE_IDLE + 1 {
                self.detector.reset();
                self.pending.clear();
                self.last_score = 0.0;
            }
            self.previous = frame.last().copied().unwrap_or(0);
            return false;
        }
        self.score(frame) >= self.threshold && loud
    }

    /// The detector's speech score for `frame`: the highest of the windows it completed.
    pub fn score(&mut self, frame: &[i16]) -> f32 {
        self.upsample_into_pending(frame);
        let mut best: Option<f32> = None;
        while self.pending.len() >= WINDOW {
            let score = self.detector.predict_i16(&self.pending[..WINDOW]);
            self.pending.drain(..WINDOW);
            best = Some(best.map_or(score, |b: f32| b.max(score)));
        }
        if let Some(score) = best {
            self.last_score = score;
        }
        self.last_score
    }

    /// Doubles the rate by linear interpolation: plenty for a detector, and it adds no delay
    /// (a proper low-pass resampler would hold back a few milliseconds of every frame).
    fn upsample_into_pending(&mut self, frame: &[i16]) {
        let mut previous = self.previous;
        for &sample in frame {
            let middle = ((i32::from(previous) + i32::from(sample)) / 2) as i16;
            self.pending.push(middle);
            self.pending.push(sample);
            previous = sample;
        }
        self.previous = previous;
    }
}

/// Root mean square of a frame, in sample units.
pub fn rms(frame: &[i16]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    let energy: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (energy / frame.len() as f64).sqrt() as f32
}

/// A frame's worth of digital silence.
#[cfg(test)]
const SILENT_FRAME: [i16; FRAME_SAMPLES] = [0; FRAME_SAMPLES];

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, amplitude: f32, frames: usize) -> Vec<i16> {
        (0..frames * FRAME_SAMPLES)
            .map(|i| (amplitude * (2.0 * std::f32::consts::PI * freq * i as f32 / 8000.0).sin()) as i16)
            .collect()
    }

    #[test]
    fn silence_is_not_speech() {
        let mut vad = VoiceDetector::default();
        assert!((0..50).all(|_| !vad.is_speech(&SILENT_FRAME)));
    }

    #[test]
    fn quiet_hiss_is_gated_by_energy() {
        let mut vad = VoiceDetector::default();
        let mut seed = 7u32;
        let hiss: Vec<i16> = (0..FRAME_SAMPLES * 50)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((seed >> 16) % 200) as i16 - 100
            })
            .collect();
        assert!(hiss.chunks(FRAME_SAMPLES).all(|f| !vad.is_speech(f)));
    }

    #[test]
    fn rms_of_a_full_scale_square_wave_is_full_scale() {
        let square: Vec<i16> = (0..160).map(|i| if i % 2 == 0 { 1000 } else { -1000 }).collect();
        assert!((rms(&square) - 1000.0).abs() < 0.01);
        assert!(rms(&[]) == 0.0);
    }

    #[test]
    fn every_frame_gets_a_score_once_windows_fill() {
        let mut vad = VoiceDetector::default();
        let audio = tone(300.0, 8000.0, 20);
        let scores: Vec<f32> = audio.chunks(FRAME_SAMPLES).map(|f| vad.score(f)).collect();
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    }
}

#[cfg(test)]
mod speech_tests {
    use super::*;

    /// Telephone-band speech from espeak-ng and sox (both installed by scripts/install-deps.sh).
    fn spoken(text: &str) -> Vec<i16> {
        let script = format!("espeak-ng --stdout -- '{text}' | sox -t wav - -t raw -r 8000 -e signed -b 16 -c 1 -");
        let output = std::process::Command::new("sh").arg("-c").arg(script).output().expect("espeak-ng and sox");
        assert!(output.status.success() && !output.stdout.is_empty(), "espeak-ng/sox produced nothing");
        output.stdout.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
    }

    #[test]
    fn synthetic_speech_is_mostly_speech_and_the_silence_after_it_is_not() {
        let mut vad = VoiceDetector::default();
        let speech = spoken("Hello, this is Sam speaking. Can I book a table for two on Friday evening?");
        let frames: Vec<bool> = speech.chunks_exact(FRAME_SAMPLES).map(|f| vad.is_speech(f)).collect();
        let voiced = frames.iter().filter(|v| **v).count() as f32 / frames.len() as f32;
        assert!(voiced > 0.5, "only {:.0} % of speech frames detected", voiced * 100.0);
        let after: usize = (0..25).filter(|_| vad.is_speech(&SILENT_FRAME)).count();
        assert!(after <= 2, "{after} silent frames scored as speech");
    }

    #[test]
    fn speech_after_a_long_pause_is_heard_as_well_as_the_first_time() {
        let speech = spoken("Can I book a table for two on Friday evening?");
        let voiced = |vad: &mut VoiceDetector| speech.chunks_exact(FRAME_SAMPLES).filter(|f| vad.is_speech(f)).count();
        let mut vad = VoiceDetector::default();
        let first = voiced(&mut vad);
        // Three seconds of silence: the network is reset and left idle, then asked again.
        assert!((0..150).all(|_| !vad.is_speech(&SILENT_FRAME)));
        let again = voiced(&mut vad);
        assert!(again.abs_diff(first) <= 3, "first {first} voiced frames, after the pause {again}");
    }
}
