//! Minimal WAV (RIFF, PCM 16-bit mono) writing and lenient reading.

/// A canonical 44-byte-header WAV of 16-bit mono `samples` at `rate` Hz.
pub(crate) fn wav_16bit_mono(rate: u32, samples: &[i16]) -> Vec<u8> {
    let data_len = u32::try_from(samples.len() * 2).unwrap_or(u32::MAX - 36);
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend(samples.iter().flat_map(|sample| sample.to_le_bytes()));
    out
}

/// Reads a 16-bit mono WAV written to a pipe, returning its rate and samples. Its sizes are
/// placeholders (the writer could not seek back), so the data chunk is simply the rest of the
/// bytes.
pub(crate) fn streamed_wav(bytes: &[u8]) -> Option<(u32, Vec<i16>)> {
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

    /// A WAV as espeak-ng pipes it: sizes that do not match the data.
    fn piped(data_size: u32, samples: &[i16]) -> Vec<u8> {
        let mut out = wav_16bit_mono(22050, samples);
        out[4..8].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        out[40..44].copy_from_slice(&data_size.to_le_bytes());
        out
    }

    #[test]
    fn written_wavs_have_the_canonical_header_and_read_back() {
        let wav = wav_16bit_mono(16000, &[1, -2, 3]);
        assert_eq!(wav.len(), 44 + 6);
        assert_eq!(&wav[4..8], &42u32.to_le_bytes());
        assert_eq!(&wav[28..32], &32000u32.to_le_bytes());
        assert_eq!(streamed_wav(&wav), Some((16000, vec![1, -2, 3])));
    }

    #[test]
    fn a_piped_wav_with_placeholder_sizes_is_read_to_its_end() {
        assert_eq!(streamed_wav(&piped(0x7fff_f000, &[1, -2, 3])), Some((22050, vec![1, -2, 3])));
        assert_eq!(streamed_wav(&piped(0xffff_ffff, &[4, 5])), Some((22050, vec![4, 5])));
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(streamed_wav(b"RIFF").is_none());
        assert!(streamed_wav(b"garbage that is long enough to look").is_none());
        let mut stereo = piped(4, &[0, 0]);
        stereo[22] = 2;
        assert!(streamed_wav(&stereo).is_none());
    }
}
