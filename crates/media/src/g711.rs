//! ITU-T G.711 μ-law (PCMU) and A-law (PCMA), after the classic Sun/CCITT reference code.
//!
//! Decoding goes through 256-entry tables built at compile time; encoding finds the segment
//! with a leading-zeros count instead of a search loop, so both directions are branch-light.

/// μ-law adds this bias so that every segment starts on a power of two.
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude μ-law can represent once the bias is added (32635 + 0x84 = 0x7FFF).
const ULAW_CLIP: i32 = 32635;

static ULAW_DECODE: [i16; 256] = build_ulaw_table();
static ALAW_DECODE: [i16; 256] = build_alaw_table();

/// Encodes one 16-bit linear sample as a μ-law byte.
///
/// Bit-exact with the reference, including its one quirk: -1..=-3 encode as 0x7F ("negative
/// zero"), which decodes to 0 like 0xFF does.
pub fn ulaw_encode(sample: i16) -> u8 {
    let sample = i32::from(sample);
    let sign: u8 = if sample < 0 { 0x80 } else { 0 };
    let biased = sample.abs().min(ULAW_CLIP) + ULAW_BIAS;
    // `biased` lies in 0x84..=0x7FFF; its top set bit (7..=14) picks the segment (0..=7).
    let exponent = (31 - biased.leading_zeros() - 7) as u8;
    let mantissa = ((biased >> (exponent + 3)) & 0x0F) as u8;
    !(sign | (exponent << 4) | mantissa)
}

/// Decodes one μ-law byte to a 16-bit linear sample.
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes one 16-bit linear sample as an A-law byte.
pub fn alaw_encode(sample: i16) -> u8 {
    // A-law works on 13 bits; negative values are coded as one's complement magnitudes.
    let value = i32::from(sample) >> 3;
    let (mask, magnitude) = if value >= 0 { (0xD5u8, value) } else { (0x55u8, -value - 1) };
    // Segment 0 and 1 share the step size; above that the top set bit picks the segment.
    let segment = (32 - (magnitude as u32 | 0x1F).leading_zeros() - 5) as u8;
    let shift = if segment < 2 { 1 } else { segment };
    let mantissa = ((magnitude >> shift) & 0x0F) as u8;
    ((segment << 4) | mantissa) ^ mask
}

/// Decodes one A-law byte to a 16-bit linear sample.
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

const fn build_ulaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = ulaw_decode_slow(code as u8);
        code += 1;
    }
    table
}

/// The reference decoder, evaluated once per code at compile time.
const fn ulaw_decode_slow(code: u8) -> i16 {
    let code = !code;
    let exponent = (code >> 4) & 0x07;
    let mantissa = (code & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if code & 0x80 != 0 { -magnitude as i16 } else { magnitude as i16 }
}

const fn build_alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = alaw_decode_slow(code as u8);
        code += 1;
    }
    table
}

/// The reference decoder, evaluated once per code at compile time.
const fn alaw_decode_slow(code: u8) -> i16 {
    let code = code ^ 0x55;
    let segment = (code & 0x70) >> 4;
    let mut magnitude = ((code & 0x0F) as i32) << 4;
    magnitude = match segment {
        0 => magnitude + 8,
        1 => magnitude + 0x108,
        _ => (magnitude + 0x108) << (segment - 1),
    };
    if code & 0x80 != 0 { magnitude as i16 } else { -magnitude as i16 }
}

/// The two G.711 codecs every SIP endpoint speaks, with their static RTP payload types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// μ-law, static payload type 0 (North America, Japan).
    Pcmu,
    /// A-law, static payload type 8 (most of the rest of the world).
    Pcma,
}

impl Codec {
    /// The static RTP payload type (RFC 3551): 0 for PCMU, 8 for PCMA.
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The codec for a static payload type, if it is one of ours.
    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The SDP encoding name ("PCMU" / "PCMA").
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The codec for an SDP encoding name, compared case-insensitively as RFC 4566 requires.
    pub fn from_name(name: &str) -> Option<Codec> {
        [Codec::Pcmu, Codec::Pcma].into_iter().find(|codec| codec.name().eq_ignore_ascii_case(name))
    }

    /// Encodes linear samples, appending one byte per sample to `out`.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        let encode = match self {
            Codec::Pcmu => ulaw_encode,
            Codec::Pcma => alaw_encode,
        };
        out.extend(pcm.iter().map(|&sample| encode(sample)));
    }

    /// Decodes a payload, appending one linear sample per byte to `out`.
    pub fn decode(self, payload: &[u8], out: &mut Vec<i16>) {
        let table = match self {
            Codec::Pcmu => &ULAW_DECODE,
            Codec::Pcma => &ALAW_DECODE,
        };
        out.extend(payload.iter().map(|&code| table[usize::from(code)]));
    }

    /// The byte that decodes to (near) zero: what a silent frame is filled with.
    pub fn silence(self) -> u8 {
        match self {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// μ-law decoding written straight from G.711 table 2a: 8 segments of 16 steps, the step
    /// doubling per segment, values offset by the bias 33 (0x84 at 16-bit scale).
    fn ulaw_reference(code: u8) -> i16 {
        let inverted = !code;
        let exponent = u32::from((inverted >> 4) & 0x07);
        let mantissa = i32::from(inverted & 0x0F);
        let sign = if inverted & 0x80 != 0 { -1 } else { 1 };
        (sign * ((((mantissa << 3) + 0x84) << exponent) - 0x84)) as i16
    }

    /// A-law decoding from G.711 table 1a: segment 0 and 1 both step by 2 (13-bit scale), each
    /// later segment doubles it; the decoder outputs the middle of each quantisation interval.
    fn alaw_reference(code: u8) -> i16 {
        let toggled = code ^ 0x55;
        let segment = u32::from((toggled >> 4) & 0x07);
        let mantissa = i32::from(toggled & 0x0F);
        let (start, step) = if segment == 0 { (0, 2) } else { (16 << segment, 1 << segment) };
        let magnitude = (start + mantissa * step + step / 2) << 3;
        if toggled & 0x80 != 0 { magnitude as i16 } else { -magnitude as i16 }
    }

    /// Half the μ-law quantisation step, at 16-bit scale, for the segment of `code`.
    fn ulaw_half_step(code: u8) -> i32 {
        4 << ((!code >> 4) & 0x07)
    }

    /// Half the A-law quantisation step, at 16-bit scale, for the segment of `code`.
    fn alaw_half_step(code: u8) -> i32 {
        let segment = ((code ^ 0x55) >> 4) & 0x07;
        8 << segment.saturating_sub(1)
    }

    #[test]
    fn ulaw_decode_matches_the_specification_for_every_code() {
        for code in 0..=255u8 {
            assert_eq!(ulaw_decode(code), ulaw_reference(code), "code {code:#04x}");
        }
    }

    #[test]
    fn alaw_decode_matches_the_specification_for_every_code() {
        for code in 0..=255u8 {
            assert_eq!(alaw_decode(code), alaw_reference(code), "code {code:#04x}");
        }
    }

    #[test]
    fn well_known_values() {
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn decoded_values_are_symmetric_and_monotonic() {
        for code in 0..=0x7Fu8 {
            assert_eq!(ulaw_decode(code), -ulaw_decode(code | 0x80));
            assert_eq!(alaw_decode(code), -alaw_decode(code | 0x80));
        }
        // Within one sign, larger μ-law codes mean smaller magnitudes.
        for code in 0x80..0xFFu8 {
            assert!(ulaw_decode(code) > ulaw_decode(code + 1));
        }
    }

    #[test]
    fn ulaw_encode_is_stable_and_within_half_a_step_for_every_sample() {
        for sample in i16::MIN..=i16::MAX {
            let code = ulaw_encode(sample);
            let decoded = ulaw_decode(code);
            if code == 0x7F {
                // The reference codes -1..=-3 as negative zero, which re-encodes as positive zero.
                assert!((-3..=-1).contains(&sample), "sample {sample}");
                assert_eq!(ulaw_encode(decoded), 0xFF);
            } else {
                assert_eq!(ulaw_encode(decoded), code, "sample {sample}");
            }
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            if i32::from(sample).abs() <= ULAW_CLIP {
                assert!(error <= ulaw_half_step(code), "sample {sample}: error {error}");
            } else {
                // Beyond the clip level everything maps to the loudest code.
                assert_eq!(i32::from(decoded).abs(), 32124, "sample {sample}");
            }
        }
    }

    #[test]
    fn alaw_encode_is_stable_and_within_half_a_step_for_every_sample() {
        for sample in i16::MIN..=i16::MAX {
            let code = alaw_encode(sample);
            let decoded = alaw_decode(code);
            assert_eq!(alaw_encode(decoded), code, "sample {sample}");
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            assert!(error <= alaw_half_step(code), "sample {sample}: error {error}");
        }
    }

    #[test]
    fn every_code_survives_a_decode_encode_round_trip() {
        for code in 0..=255u8 {
            if code != 0x7F {
                assert_eq!(ulaw_encode(ulaw_decode(code)), code, "μ-law {code:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
        }
        // μ-law has two zeros; the encoder always picks the positive one.
        assert_eq!(ulaw_encode(ulaw_decode(0x7F)), 0xFF);
    }

    #[test]
    fn codec_metadata() {
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::from_payload_type(0), Some(Codec::Pcmu));
        assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_payload_type(3), None);
        assert_eq!(Codec::Pcmu.name(), "PCMU");
        assert_eq!(Codec::Pcma.name(), "PCMA");
        assert_eq!(Codec::from_name("pcma"), Some(Codec::Pcma));
        assert_eq!(Codec::from_name("G722"), None);
        assert_eq!(ulaw_decode(Codec::Pcmu.silence()), 0);
        assert_eq!(alaw_decode(Codec::Pcma.silence()), 8);
    }

    #[test]
    fn codec_encode_and_decode_append() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut bytes = vec![0xAB];
            codec.encode(&[0, 1000, -1000], &mut bytes);
            assert_eq!(bytes.len(), 4);
            assert_eq!(bytes[0], 0xAB);
            let mut pcm = vec![7];
            codec.decode(&bytes[1..], &mut pcm);
            assert_eq!(pcm.len(), 4);
            assert_eq!(pcm[0], 7);
            assert!(pcm[1].abs() <= 8);
            assert!((pcm[2] - 1000).abs() <= 32 && (pcm[3] + 1000).abs() <= 32, "{pcm:?}");
        }
    }

    proptest! {
        #[test]
        fn codec_round_trip_preserves_length_and_is_idempotent(
            pcm in proptest::collection::vec(any::<i16>(), 0..400),
            alaw in any::<bool>(),
        ) {
            let codec = if alaw { Codec::Pcma } else { Codec::Pcmu };
            let mut bytes = Vec::new();
            codec.encode(&pcm, &mut bytes);
            let mut decoded = Vec::new();
            codec.decode(&bytes, &mut decoded);
            prop_assert_eq!(decoded.len(), pcm.len());
            let mut again = Vec::new();
            codec.encode(&decoded, &mut again);
            let mut decoded_again = Vec::new();
            codec.decode(&again, &mut decoded_again);
            prop_assert_eq!(decoded_again, decoded);
        }
    }
}
