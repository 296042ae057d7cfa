//! Sample-rate conversion between the rates this project meets: 8 kHz telephone audio, 16 kHz
//! for speech recognition, 22.05 kHz from espeak-ng, and whatever else a TTS engine emits.
//!
//! Wraps rubato's synchronous FFT resampler, which converts exactly `to/from` (no drift) and
//! band-limits properly when going down. [`Resampler`] is streaming: feed chunks of any
//! length, and the output comes back time-aligned with the input (rubato's filter delay is
//! trimmed) so that `flush` completes it to `round(input_len * to / from)` samples.

use rubato::Resampler as _;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing};

/// Highest sample rate accepted; bounds the FFT size (and memory) for awkward rate pairs.
pub const MAX_RATE_HZ: u32 = 384_000;

/// Scale between i16 samples and rubato's floats.
const FULL_SCALE: f32 = 32768.0;

/// Why a resampler could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResampleError {
    /// A rate of 0 Hz or above [`MAX_RATE_HZ`].
    #[error("unsupported sample rate conversion {from_hz} Hz -> {to_hz} Hz")]
    UnsupportedRate {
        /// Input rate.
        from_hz: u32,
        /// Output rate.
        to_hz: u32,
    },
    /// rubato refused the configuration.
    #[error("resampler construction failed: {0}")]
    Engine(String),
}

/// A streaming mono i16 resampler for a fixed rate pair.
pub struct Resampler {
    engine: Option<Engine>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rates = self.engine.as_ref().map(|engine| (engine.from_hz, engine.to_hz));
        f.debug_struct("Resampler").field("rates", &rates).finish_non_exhaustive()
    }
}

/// The rubato state plus the bookkeeping that makes chunked use look like one long call.
struct Engine {
    fft: Fft<f32>,
    from_hz: u32,
    to_hz: u32,
    /// Input samples waiting for a full chunk.
    pending: Vec<f32>,
    /// Scratch buffer for one chunk of output.
    scratch: Vec<f32>,
    /// Leading output samples still to drop: the filter's delay.
    to_trim: usize,
    /// Input samples accepted and output samples emitted since the stream (re)started.
    consumed: u64,
    produced: u64,
}

impl Resampler {
    /// A resampler from `from_hz` to `to_hz`; equal rates just copy.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, ResampleError> {
        let valid = 1..=MAX_RATE_HZ;
        if !valid.contains(&from_hz) || !valid.contains(&to_hz) {
            return Err(ResampleError::UnsupportedRate { from_hz, to_hz });
        }
        if from_hz == to_hz {
            return Ok(Self { engine: None });
        }
        Engine::new(from_hz, to_hz).map(|engine| Self { engine: Some(engine) })
    }

    /// Resamples a chunk of any length, appending whatever output is ready to `out`; the
    /// remainder stays buffered until more input or [`flush`](Self::flush).
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        match &mut self.engine {
            Some(engine) => engine.process(input, out),
            None => out.extend_from_slice(input),
        }
    }

    /// Ends the stream: appends the buffered tail, so the total output is
    /// `round(total_input * to / from)` samples. The resampler is then ready for a new stream.
    pub fn flush(&mut self, out: &mut Vec<i16>) {
        if let Some(engine) = &mut self.engine {
            engine.flush(out);
        }
    }
}

impl Engine {
    fn new(from_hz: u32, to_hz: u32) -> Result<Self, ResampleError> {
        // 20 ms of input per chunk keeps latency at telephony scale; rubato rounds the FFT
        // block up to a whole multiple of the rates' ratio.
        let chunk = (from_hz as usize / 50).max(1);
        let fft = Fft::<f32>::new(from_hz as usize, to_hz as usize, chunk, 1, FixedSync::Input)
            .map_err(|error| ResampleError::Engine(error.to_string()))?;
        let scratch = vec![0.0; fft.output_frames_max()];
        let to_trim = fft.output_delay();
        Ok(Self { fft, from_hz, to_hz, pending: Vec::new(), scratch, to_trim, consumed: 0, produced: 0 })
    }

    fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.pending.extend(input.iter().map(|&sample| f32::from(sample) / FULL_SCALE));
        self.consumed += input.len() as u64;
        let mut start = 0;
        while self.pending.len() - start >= self.fft.input_frames_next() {
            let Some(used) = self.run_chunk(start, None, out, u64::MAX) else { break };
            start += used;
        }
        self.pending.drain(..start);
    }

    fn flush(&mut self, out: &mut Vec<i16>) {
        let expected = (self.consumed * u64::from(self.to_hz) + u64::from(self.from_hz / 2)) / u64::from(self.from_hz);
        // Push the partial chunk, then silence, until the delayed tail has come out.
        let mut partial = Some(self.pending.len());
        while self.produced < expected {
            if self.run_chunk(0, partial.take().or(Some(0)), out, expected).is_none() {
                break;
            }
            self.pending.clear();
        }
        self.fft.reset();
        self.pending.clear();
        self.to_trim = self.fft.output_delay();
        (self.consumed, self.produced) = (0, 0);
    }

    /// Runs one rubato chunk from `pending[start..]` (`partial`: only that many real samples),
    /// emitting at most up to `limit` total output samples. Returns the input samples used.
    fn run_chunk(&mut self, start: usize, partial: Option<usize>, out: &mut Vec<i16>, limit: u64) -> Option<usize> {
        let input = &self.pending[start..];
        let input = InterleavedSlice::new(input, 1, input.len()).ok()?;
        let capacity = self.scratch.len();
        let mut output = InterleavedSlice::new_mut(&mut self.scratch[..], 1, capacity).ok()?;
        let indexing = Indexing { partial_len: partial, ..Indexing::default() };
        // Our buffers are sized from rubato's own figures, so an error would be a bug; it ends
        // the chunk loop instead of panicking.
        let (used, produced) = self.fft.process_into_buffer(&input, &mut output, Some(&indexing)).ok()?;
        let trimmed = produced.min(self.to_trim);
        self.to_trim -= trimmed;
        let room = usize::try_from(limit - self.produced).unwrap_or(usize::MAX);
        let emitted = &self.scratch[trimmed..produced];
        let emitted = &emitted[..emitted.len().min(room)];
        out.extend(emitted.iter().map(|&sample| to_i16(sample)));
        self.produced += emitted.len() as u64;
        Some(used)
    }
}

/// Converts back to i16, rounding and clipping (the filter can overshoot full scale).
fn to_i16(sample: f32) -> i16 {
    (sample * FULL_SCALE).round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// Converts a whole 8 kHz clip to 16 kHz (e.g. caller audio for speech recognition), appending
/// to `out`. For a continuous stream use a [`Resampler`], which carries state across chunks.
pub fn upsample_8k_to_16k(input: &[i16], out: &mut Vec<i16>) {
    convert_clip(8000, 16000, input, out);
}

/// Converts a whole 16 kHz clip to 8 kHz, appending to `out`. For a continuous stream use a
/// [`Resampler`], which carries state across chunks.
pub fn downsample_16k_to_8k(input: &[i16], out: &mut Vec<i16>) {
    convert_clip(16000, 8000, input, out);
}

fn convert_clip(from_hz: u32, to_hz: u32, input: &[i16], out: &mut Vec<i16>) {
    // Both rate pairs are valid constants, so construction cannot fail.
    if let Ok(mut resampler) = Resampler::new(from_hz, to_hz) {
        resampler.process(input, out);
        resampler.flush(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sine(frequency: f64, rate: u32, len: usize, amplitude: f64) -> Vec<i16> {
        (0..len)
            .map(|i| (amplitude * (2.0 * std::f64::consts::PI * frequency * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    /// Speech-band test signal: three tones well inside the 8 kHz telephone band.
    fn voice_like(rate: u32, len: usize) -> Vec<i16> {
        let parts = [sine(300.0, rate, len, 6000.0), sine(1000.0, rate, len, 6000.0), sine(2500.0, rate, len, 4000.0)];
        (0..len).map(|i| parts.iter().map(|part| part[i]).sum()).collect()
    }

    fn resample_all(from_hz: u32, to_hz: u32, input: &[i16]) -> Vec<i16> {
        let mut resampler = Resampler::new(from_hz, to_hz).unwrap();
        let mut out = Vec::new();
        resampler.process(input, &mut out);
        resampler.flush(&mut out);
        out
    }

    fn zero_crossings(samples: &[i16]) -> usize {
        samples.windows(2).filter(|pair| (pair[0] < 0) != (pair[1] < 0)).count()
    }

    fn rms(samples: &[i16]) -> f64 {
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
    }

    /// Normalised correlation of `a` with `b` shifted by `lag` samples.
    fn correlation(a: &[i16], b: &[i16], lag: isize) -> f64 {
        let pairs: Vec<(f64, f64)> = (0..a.len())
            .filter_map(|i| {
                let j = i.checked_add_signed(lag)?;
                Some((f64::from(a[i]), f64::from(*b.get(j)?)))
            })
            .collect();
        let dot: f64 = pairs.iter().map(|(x, y)| x * y).sum();
        let norm_a: f64 = pairs.iter().map(|(x, _)| x * x).sum::<f64>().sqrt();
        let norm_b: f64 = pairs.iter().map(|(_, y)| y * y).sum::<f64>().sqrt();
        dot / (norm_a * norm_b)
    }

    fn expected_len(len: usize, from_hz: u32, to_hz: u32) -> usize {
        ((len as u64 * u64::from(to_hz) + u64::from(from_hz / 2)) / u64::from(from_hz)) as usize
    }

    #[test]
    fn equal_rates_copy() {
        let input = voice_like(8000, 500);
        let mut resampler = Resampler::new(8000, 8000).unwrap();
        let mut out = vec![1];
        resampler.process(&input, &mut out);
        resampler.flush(&mut out);
        assert_eq!(out[1..], input[..]);
    }

    #[test]
    fn rejects_unusable_rates() {
        assert_eq!(Resampler::new(0, 8000).unwrap_err(), ResampleError::UnsupportedRate { from_hz: 0, to_hz: 8000 });
        assert!(Resampler::new(8000, 0).is_err());
        assert!(Resampler::new(MAX_RATE_HZ + 1, 8000).is_err());
        assert!(format!("{:?}", Resampler::new(22050, 8000).unwrap()).contains("22050"));
    }

    #[test]
    fn tts_rate_to_telephone_rate_keeps_frequency_level_and_length() {
        let input = sine(1000.0, 22050, 22050, 10000.0);
        let out = resample_all(22050, 8000, &input);
        assert_eq!(out.len(), 8000);
        let crossings = zero_crossings(&out) as f64;
        assert!((crossings - 2000.0).abs() <= 40.0, "{crossings} zero crossings");
        let level = rms(&out[800..7200]) / rms(&input[2205..19845]);
        assert!((level - 1.0).abs() < 0.05, "level ratio {level}");
    }

    #[test]
    fn output_is_time_aligned_with_the_input() {
        // A tone burst starting at 0.5 s must start at 0.5 s in the output too.
        let mut input = vec![0i16; 11025];
        input.extend(sine(1000.0, 22050, 11025, 10000.0));
        let out = resample_all(22050, 8000, &input);
        let onset = out.iter().position(|&s| s.abs() > 5000).unwrap();
        assert!((4000..4010).contains(&onset), "onset at {onset}");
    }

    #[test]
    fn removes_content_above_the_new_nyquist() {
        // 6 kHz is representable at 22.05 kHz but not at 8 kHz: it must be filtered, not aliased.
        let out = resample_all(22050, 8000, &sine(6000.0, 22050, 22050, 10000.0));
        assert!(rms(&out[800..7200]) < 100.0, "rms {}", rms(&out[800..7200]));
    }

    #[test]
    fn telephone_to_wideband_and_back_correlates() {
        let input = voice_like(8000, 8000);
        let up = resample_all(8000, 16000, &input);
        assert_eq!(up.len(), 16000);
        let back = resample_all(16000, 8000, &up);
        assert_eq!(back.len(), input.len());
        let best = (-8..=8).map(|lag| correlation(&input, &back, lag)).fold(f64::MIN, f64::max);
        assert!(best > 0.99, "correlation {best}");
        assert!(correlation(&input, &back, 0) > 0.99, "not aligned at lag 0");
    }

    #[test]
    fn convenience_functions_match_the_streaming_resampler() {
        let input = voice_like(8000, 1234);
        let mut up = Vec::new();
        upsample_8k_to_16k(&input, &mut up);
        assert_eq!(up, resample_all(8000, 16000, &input));
        let mut down = vec![7];
        downsample_16k_to_8k(&up, &mut down);
        assert_eq!(down.len(), 1 + 1234);
        assert_eq!(down[0], 7);
    }

    #[test]
    fn flush_resets_for_a_new_stream() {
        let input = voice_like(22050, 3000);
        let mut resampler = Resampler::new(22050, 8000).unwrap();
        let mut first = Vec::new();
        resampler.process(&input, &mut first);
        resampler.flush(&mut first);
        let mut second = Vec::new();
        resampler.process(&input, &mut second);
        resampler.flush(&mut second);
        assert_eq!(first, second);
        let mut empty = Vec::new();
        resampler.flush(&mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn full_scale_input_clips_instead_of_wrapping() {
        let square: Vec<i16> = (0..4000).map(|i| if (i / 20) % 2 == 0 { i16::MAX } else { i16::MIN }).collect();
        let out = resample_all(8000, 16000, &square);
        assert_eq!(out.len(), 8000);
        // Overshoot (Gibbs ripple) must saturate: a wrapped sample would flip sign mid-plateau.
        for plateau in 5..195 {
            let middle = &out[2 * (20 * plateau + 5)..2 * (20 * plateau + 15)];
            let high = plateau % 2 == 0;
            assert!(middle.iter().all(|&s| if high { s > 16000 } else { s < -16000 }), "plateau {plateau}: {middle:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn chunking_does_not_change_the_output(
            chunks in proptest::collection::vec(0usize..700, 0..12),
            rates in proptest::sample::select(vec![(22050u32, 8000u32), (8000, 16000), (16000, 8000), (44100, 8000)]),
        ) {
            let (from_hz, to_hz) = rates;
            let input = voice_like(from_hz, chunks.iter().sum());
            let mut resampler = Resampler::new(from_hz, to_hz).unwrap();
            let mut chunked = Vec::new();
            let mut offset = 0;
            for len in &chunks {
                resampler.process(&input[offset..offset + len], &mut chunked);
                offset += len;
            }
            resampler.flush(&mut chunked);
            prop_assert_eq!(chunked.len(), expected_len(input.len(), from_hz, to_hz));
            prop_assert_eq!(chunked, resample_all(from_hz, to_hz, &input));
        }
    }
}
