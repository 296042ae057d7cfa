//! Text-to-speech with espeak-ng (Debian package `espeak-ng`), run as a process: offline, free
//! and instant to start, if robotic. Its WAV output (22,050 Hz mono) is resampled to 8 kHz.

use crate::pcm_stream::silence;
use crate::wav::streamed_wav;
use crate::{AudioStream, SpeechError, TELEPHONE_HZ, TextToSpeech};
use agentline_media::resample::Resampler;
use std::io::ErrorKind;
use tokio::process::Command;

const PROVIDER: &str = "espeak-ng";

/// espeak-ng as a [`TextToSpeech`]. A sentence is synthesized in milliseconds, so the audio
/// is yielded as one chunk.
#[derive(Debug, Clone, Default)]
pub struct Espeak {
    /// `-v`: a voice such as `en-us` or `en-us+f3`; `None` for espeak-ng's default.
    pub voice: Option<String>,
    /// `-s`: speed in words per minute; `None` for espeak-ng's default (175).
    pub words_per_minute: Option<u32>,
}

impl Espeak {
    /// The command line: WAV on stdout, and `--` so text starting with `-` is not an option.
    /// It runs under `nice`: many calls starting at once start many synthesizers, and their CPU
    /// must not delay the 20 ms media frames of the calls already talking.
    fn command(&self, text: &str) -> Command {
        let mut command = Command::new("nice");
        command.args(["-n", "10", "espeak-ng", "--stdout"]);
        if let Some(voice) = &self.voice {
            command.arg("-v").arg(voice);
        }
        if let Some(wpm) = self.words_per_minute {
            command.arg("-s").arg(wpm.to_string());
        }
        // Dropping the future (barge-in) kills the process.
        command.arg("--").arg(text).kill_on_drop(true);
        command
    }

    /// Runs espeak-ng and returns its audio at its own rate.
    async fn run(&self, text: &str) -> Result<(u32, Vec<i16>), SpeechError> {
        let output = self.command(text).output().await.map_err(|error| match error.kind() {
            ErrorKind::NotFound => SpeechError::Unavailable("espeak-ng is not installed".into()),
            _ => SpeechError::Io(format!("cannot run espeak-ng: {error}")),
        })?;
        // `nice` answers 127 when it cannot find the program it was asked to run.
        if output.status.code() == Some(127) {
            return Err(SpeechError::Unavailable("espeak-ng is not installed".into()));
        }
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(SpeechError::Io(format!("espeak-ng failed ({}): {}", output.status, stderr.trim())));
        }
        streamed_wav(&output.stdout)
            .ok_or_else(|| SpeechError::protocol(PROVIDER, "espeak-ng wrote no 16-bit mono WAV"))
    }
}

#[async_trait::async_trait]
impl TextToSpeech for Espeak {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, SpeechError> {
        if text.trim().is_empty() {
            return Ok(silence());
        }
        let (rate, samples) = self.run(text).await?;
        let mut resampler = Resampler::new(rate, TELEPHONE_HZ)
            .map_err(|error| SpeechError::protocol(PROVIDER, format!("unusable WAV: {error}")))?;
        let mut out = Vec::with_capacity(samples.len() * TELEPHONE_HZ as usize / rate as usize + 320);
        resampler.process(&samples, &mut out);
        resampler.flush(&mut out);
        if out.is_empty() {
            return Ok(silence());
        }
        Ok(Box::pin(futures_util::stream::iter([Ok(out)])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_arguments_before_the_text() {
        let espeak = Espeak { voice: Some("en-us".into()), words_per_minute: Some(160) };
        let command = espeak.command("-v is text here");
        let args: Vec<_> = command.as_std().get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        assert_eq!(command.as_std().get_program(), "nice");
        assert_eq!(args, ["-n", "10", "espeak-ng", "--stdout", "-v", "en-us", "-s", "160", "--", "-v is text here"]);
    }
}
