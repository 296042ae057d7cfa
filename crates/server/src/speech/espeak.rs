//! Text-to-speech with espeak-ng (Debian package `espeak-ng`), run as a process: its WAV output
//! (22,050 Hz mono) is resampled to the 8 kHz of telephone audio.

use agentline_media::resample::Resampler;
use anyhow::Context;
use tokio::process::Command;

/// Speaks `text` and returns 8 kHz mono samples.
pub async fn synthesize_8k(text: &str) -> anyhow::Result<Vec<i16>> {
    let output = Command::new("espeak-ng")
        .arg("--stdout")
        .arg("--")
        .arg(text)
        .kill_on_drop(true)
        .output()
        .await
        .context("cannot run espeak-ng (install the espeak-ng package)")?;
    if !output.status.success() {
        anyhow::bail!("espeak-ng failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let (rate, samples) = streamed_wav(&output.stdout).context("espeak-ng wrote no 16-bit mono WAV")?;
    let mut resampler = Resampler::new(rate, 8000).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Vec::with_capacity(samples.len() * 8000 / rate.max(1) as usize + 320);
    resampler.process(&samples, &mut out);
    resampler.flush(&mut out);
    Ok(out)
}

/// Reads a 16-bit mono WAV written to a pipe: its sizes are placeholders (the writer could not
/// seek back), so the data chunk is simply the rest of the bytes.
fn streamed_wav(bytes: &[u8]) -> Option<(u32, Vec<i16>)> {
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut rate = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let body = at + 8;
        if id == b"fmt " {
            let fmt = bytes.get(body..body + 16)?;
            let (channels, bits) = (u16::from_le_bytes([fmt[2], fmt[3]]), u16::from_le_bytes([fmt[14], fmt[15]]));
            if channels != 1 || bits != 16 {
                return None;
            }
            rate = Some(u32::from_le_bytes(fmt[4..8].try_into().ok()?));
        } else if id == b"data" {
            let samples = bytes[body..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            return Some((rate?, samples));
        }
        at = body.checked_add(size)?.checked_add(size % 2)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(data_size: u32, samples: &[i16]) -> Vec<u8> {
        let mut out = b"RIFF\xff\xff\xff\x7fWAVEfmt ".to_vec();
        out.extend(16u32.to_le_bytes());
        out.extend([1, 0, 1, 0]);
        out.extend(22050u32.to_le_bytes());
        out.extend(44100u32.to_le_bytes());
        out.extend([2, 0, 16, 0]);
        out.extend(b"data");
        out.extend(data_size.to_le_bytes());
        out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        out
    }

    #[test]
    fn a_piped_wav_with_placeholder_sizes_is_read_to_its_end() {
        let (rate, samples) = streamed_wav(&wav(0x7fff_f000, &[1, -2, 3])).unwrap();
        assert_eq!((rate, samples), (22050, vec![1, -2, 3]));
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(streamed_wav(b"RIFF").is_none());
        assert!(streamed_wav(b"garbage that is long enough to look").is_none());
        let mut stereo = wav(4, &[0, 0]);
        stereo[22] = 2;
        assert!(streamed_wav(&stereo).is_none());
    }
}
