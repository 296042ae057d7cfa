//! Stereo call recordings: callee on the left, agent on the right, one 20 ms frame of each per
//! media tick, so the channels stay aligned in time. Written as it happens (a crash loses only
//! the buffered tail) under a `.part` name, renamed when complete.

use hound::{SampleFormat, WavSpec, WavWriter};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A recording being written.
pub(crate) struct Recorder {
    writer: WavWriter<BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
}

impl Recorder {
    /// Starts a recording that will be at `path` once finished.
    pub(crate) fn create(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let partial = path.with_extension("wav.part");
        let spec = WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: SampleFormat::Int };
        let writer = WavWriter::create(&partial, spec)?;
        Ok(Self { writer, partial, path: path.to_owned() })
    }

    /// Appends one frame of each party; both slices have the same length.
    pub(crate) fn write(&mut self, callee: &[i16], agent: &[i16]) -> anyhow::Result<()> {
        // The 16-bit writer checks the format once per frame instead of once per sample (every
        // call does this 50 times a second).
        let samples = u32::try_from(callee.len().min(agent.len()) * 2)?;
        let mut frame = self.writer.get_i16_writer(samples);
        for (left, right) in callee.iter().zip(agent) {
            frame.write_sample(*left);
            frame.write_sample(*right);
        }
        frame.flush()?;
        Ok(())
    }

    /// Completes the WAV header and moves the file to its final name.
    pub(crate) fn finish(self) -> anyhow::Result<PathBuf> {
        self.writer.finalize()?;
        std::fs::rename(&self.partial, &self.path)?;
        Ok(self.path)
    }
}
