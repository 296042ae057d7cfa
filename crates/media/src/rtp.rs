//! RTP (RFC 3550) fixed header: parsing received packets, writing our own, and numbering them.

/// Size of the fixed RTP header we always write (no CSRCs, no extension).
pub const HEADER_LEN: usize = 12;

/// The only RTP version in use.
const VERSION: u8 = 2;

/// The fields of an RTP header that a telephone call cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Payload type (7 bits): which codec or event format the payload holds.
    pub payload_type: u8,
    /// Marker bit: the first packet of a talkspurt or of a DTMF event.
    pub marker: bool,
    /// Sequence number, +1 per packet, wrapping.
    pub sequence: u16,
    /// Media clock of the first sample (8 kHz for G.711 and telephone-events).
    pub timestamp: u32,
    /// Synchronisation source: identifies the stream.
    pub ssrc: u32,
}

/// A parsed packet borrowing its payload from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The header fields.
    pub header: RtpHeader,
    /// The payload, with CSRCs, header extension and padding removed.
    pub payload: &'a [u8],
}

/// Why a datagram is not a usable RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Shorter than the 12-byte fixed header.
    #[error("packet too short for an RTP header: {len} bytes")]
    TooShort {
        /// The datagram's length.
        len: usize,
    },
    /// The version field is not 2.
    #[error("unsupported RTP version {0}")]
    BadVersion(u8),
    /// An RTCP packet (sender/receiver report, SDES, BYE, APP) multiplexed on the RTP port.
    #[error("RTCP packet, not RTP")]
    Rtcp,
    /// The CSRC list or header extension runs past the end of the datagram.
    #[error("RTP header runs past the end of the packet")]
    Truncated,
    /// The padding count is zero or longer than the payload.
    #[error("invalid RTP padding length {0}")]
    BadPadding(u8),
}

/// Parses one datagram as an RTP packet.
pub fn parse(buf: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    let &[first, second, ..] = buf else {
        return Err(RtpError::TooShort { len: buf.len() });
    };
    if first >> 6 != VERSION {
        return Err(RtpError::BadVersion(first >> 6));
    }
    // RFC 5761: RTCP packet types 200..=204 sit where marker + PT 72..=76 would be.
    if (200..=204).contains(&second) {
        return Err(RtpError::Rtcp);
    }
    if buf.len() < HEADER_LEN {
        return Err(RtpError::TooShort { len: buf.len() });
    }
    let payload_start = payload_start(buf)?;
    let payload_end = payload_end(buf, payload_start)?;
    Ok(RtpPacket { header: read_header(buf), payload: &buf[payload_start..payload_end] })
}

/// Reads the fixed header; `buf` is at least [`HEADER_LEN`] bytes.
fn read_header(buf: &[u8]) -> RtpHeader {
    RtpHeader {
        payload_type: buf[1] & 0x7F,
        marker: buf[1] & 0x80 != 0,
        sequence: u16::from_be_bytes([buf[2], buf[3]]),
        timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
    }
}

/// Where the payload begins: after the CSRC list and the optional header extension.
fn payload_start(buf: &[u8]) -> Result<usize, RtpError> {
    let csrc_count = usize::from(buf[0] & 0x0F);
    let mut start = HEADER_LEN + 4 * csrc_count;
    if buf[0] & 0x10 != 0 {
        // Extension: 16-bit profile id, 16-bit length in 32-bit words, then the words.
        let words = buf.get(start + 2..start + 4).ok_or(RtpError::Truncated)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    if start > buf.len() { Err(RtpError::Truncated) } else { Ok(start) }
}

/// Where the payload ends: before the padding, whose length is the packet's last byte.
fn payload_end(buf: &[u8], start: usize) -> Result<usize, RtpError> {
    if buf[0] & 0x20 == 0 {
        return Ok(buf.len());
    }
    let pad = buf[buf.len() - 1];
    let available = buf.len() - start;
    if pad == 0 || usize::from(pad) > available {
        return Err(RtpError::BadPadding(pad));
    }
    Ok(buf.len() - usize::from(pad))
}

/// Appends a 12-byte header (version 2, no padding, extension or CSRCs) and the payload.
pub fn write(header: &RtpHeader, payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(HEADER_LEN + payload.len());
    out.push(VERSION << 6);
    out.push((u8::from(header.marker) << 7) | (header.payload_type & 0x7F));
    out.extend_from_slice(&header.sequence.to_be_bytes());
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.ssrc.to_be_bytes());
    out.extend_from_slice(payload);
}

/// The sending side's numbering for one stream: sequence numbers, timestamps, marker bits.
///
/// Audio and DTMF events share one sequence space (RFC 4733 §2.1), which is why both kinds of
/// header come from the same sequencer.
#[derive(Debug, Clone)]
pub struct RtpSequencer {
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    marker_pending: bool,
}

impl RtpSequencer {
    /// Starts a stream; the initial values should be random (RFC 3550 §5.1).
    pub fn new(ssrc: u32, initial_sequence: u16, initial_timestamp: u32) -> Self {
        Self { ssrc, sequence: initial_sequence, timestamp: initial_timestamp, marker_pending: true }
    }

    /// The header for the next audio packet carrying `samples` samples.
    ///
    /// The marker is set on the stream's first packet and on the first after
    /// [`mark_talkspurt`](Self::mark_talkspurt); the timestamp moves on by `samples` afterwards.
    pub fn next_audio(&mut self, payload_type: u8, samples: u32) -> RtpHeader {
        let marker = std::mem::take(&mut self.marker_pending);
        let header = self.header(payload_type, self.timestamp, marker);
        self.timestamp = self.timestamp.wrapping_add(samples);
        header
    }

    /// Flags the next audio packet as the start of a talkspurt (after silence or a flush).
    pub fn mark_talkspurt(&mut self) {
        self.marker_pending = true;
    }

    /// The timestamp the next audio packet will carry.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// The sequence number the next packet (audio or event) will carry.
    pub fn sequence(&self) -> u16 {
        self.sequence
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The header for a telephone-event packet: next sequence number, the event's own
    /// timestamp (its start), and the caller's marker (set on the event's first packet only).
    pub fn next_event(&mut self, payload_type: u8, timestamp: u32, marker: bool) -> RtpHeader {
        self.header(payload_type, timestamp, marker)
    }

    /// Moves the media clock on without sending audio, e.g. while a DTMF event replaces it.
    pub fn advance_timestamp(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    fn header(&mut self, payload_type: u8, timestamp: u32, marker: bool) -> RtpHeader {
        let sequence = self.sequence;
        self.sequence = sequence.wrapping_add(1);
        RtpHeader { payload_type: payload_type & 0x7F, marker, sequence, timestamp, ssrc: self.ssrc }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> RtpHeader {
        RtpHeader { payload_type: 0, marker: true, sequence: 0x1234, timestamp: 0xDEAD_BEEF, ssrc: 0x0102_0304 }
    }

    fn packet(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write(&header(), payload, &mut out);
        out
    }

    #[test]
    fn writes_the_fixed_header_byte_for_byte() {
        let bytes = packet(&[0xFF, 0xFE]);
        assert_eq!(bytes, [0x80, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 0xFF, 0xFE]);
    }

    #[test]
    fn write_appends() {
        let mut out = vec![9];
        write(&header(), &[1], &mut out);
        assert_eq!(out.len(), 1 + HEADER_LEN + 1);
        assert_eq!(out[0], 9);
    }

    #[test]
    fn parses_a_plain_packet() {
        let bytes = packet(&[1, 2, 3]);
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.header, header());
        assert_eq!(parsed.payload, &[1, 2, 3]);
    }

    #[test]
    fn skips_csrcs_and_the_header_extension() {
        let mut bytes = packet(&[]);
        bytes[0] |= 0x10 | 2; // extension + two CSRCs
        bytes.extend_from_slice(&[0; 8]); // CSRCs
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 9, 9, 9, 9]); // one extension word
        bytes.extend_from_slice(&[7, 7]);
        assert_eq!(parse(&bytes).unwrap().payload, &[7, 7]);
    }

    #[test]
    fn strips_padding() {
        let mut bytes = packet(&[5, 6, 0, 0, 3]);
        bytes[0] |= 0x20;
        assert_eq!(parse(&bytes).unwrap().payload, &[5, 6]);
    }

    #[test]
    fn rejects_bad_padding() {
        let mut zero = packet(&[5, 0]);
        zero[0] |= 0x20;
        assert_eq!(parse(&zero), Err(RtpError::BadPadding(0)));
        let mut too_long = packet(&[5, 3]);
        too_long[0] |= 0x20;
        assert_eq!(parse(&too_long), Err(RtpError::BadPadding(3)));
        let mut header_only = packet(&[]);
        header_only[0] |= 0x20;
        assert_eq!(parse(&header_only), Err(RtpError::BadPadding(4)));
    }

    #[test]
    fn rejects_short_and_foreign_packets() {
        assert_eq!(parse(&[]), Err(RtpError::TooShort { len: 0 }));
        assert_eq!(parse(&[0x80]), Err(RtpError::TooShort { len: 1 }));
        assert_eq!(parse(&packet(&[])[..11]), Err(RtpError::TooShort { len: 11 }));
        let mut v1 = packet(&[]);
        v1[0] = 0x40;
        assert_eq!(parse(&v1), Err(RtpError::BadVersion(1)));
        // STUN starts with two zero bits.
        assert_eq!(parse(&[0x00, 0x01, 0x00, 0x00]), Err(RtpError::BadVersion(0)));
    }

    #[test]
    fn rejects_truncated_csrcs_and_extensions() {
        let mut csrcs = packet(&[1, 2, 3, 4]);
        csrcs[0] |= 2;
        assert_eq!(parse(&csrcs), Err(RtpError::Truncated));
        let mut no_ext_header = packet(&[0xBE, 0xDE]);
        no_ext_header[0] |= 0x10;
        assert_eq!(parse(&no_ext_header), Err(RtpError::Truncated));
        let mut ext_too_long = packet(&[0xBE, 0xDE, 0, 2, 0, 0, 0, 0]);
        ext_too_long[0] |= 0x10;
        assert_eq!(parse(&ext_too_long), Err(RtpError::Truncated));
    }

    #[test]
    fn recognises_rtcp() {
        for packet_type in 200..=204u8 {
            // A receiver report with no report blocks is only 8 bytes long.
            assert_eq!(parse(&[0x80, packet_type, 0, 1, 0, 0, 0, 1]), Err(RtpError::Rtcp));
        }
        let mut pt_77_with_marker = packet(&[]);
        pt_77_with_marker[1] = 0x80 | 77;
        assert!(parse(&pt_77_with_marker).is_ok());
    }

    #[test]
    fn sequencer_numbers_audio() {
        let mut seq = RtpSequencer::new(42, 65534, u32::MAX - 100);
        let first = seq.next_audio(0, 160);
        assert_eq!((first.sequence, first.timestamp, first.marker, first.ssrc), (65534, u32::MAX - 100, true, 42));
        let second = seq.next_audio(0, 160);
        assert_eq!((second.sequence, second.timestamp, second.marker), (65535, 59, false));
        let third = seq.next_audio(8, 160);
        assert_eq!((third.sequence, third.timestamp, third.payload_type), (0, 219, 8));
        assert_eq!(seq.timestamp(), 379);
        assert_eq!(seq.sequence(), 1);
    }

    #[test]
    fn sequencer_marks_talkspurts() {
        let mut seq = RtpSequencer::new(1, 0, 0);
        assert!(seq.next_audio(0, 160).marker);
        assert!(!seq.next_audio(0, 160).marker);
        seq.mark_talkspurt();
        assert!(seq.next_audio(0, 160).marker);
        assert!(!seq.next_audio(0, 160).marker);
    }

    #[test]
    fn sequencer_events_share_the_sequence_space_but_not_the_clock() {
        let mut seq = RtpSequencer::new(1, 10, 1000);
        seq.next_audio(0, 160);
        let event = seq.next_event(101, 1160, true);
        assert_eq!((event.sequence, event.timestamp, event.marker, event.payload_type), (11, 1160, true, 101));
        let end = seq.next_event(101, 1160, false);
        assert_eq!((end.sequence, end.timestamp, end.marker), (12, 1160, false));
        assert_eq!(seq.timestamp(), 1160);
        seq.advance_timestamp(320);
        let audio = seq.next_audio(0, 160);
        assert_eq!((audio.sequence, audio.timestamp, audio.marker), (13, 1480, false));
    }

    fn any_header() -> impl Strategy<Value = RtpHeader> {
        (0u8..128, any::<bool>(), any::<u16>(), any::<u32>(), any::<u32>()).prop_map(
            |(payload_type, marker, sequence, timestamp, ssrc)| RtpHeader {
                payload_type,
                marker,
                sequence,
                timestamp,
                ssrc,
            },
        )
    }

    proptest! {
        #[test]
        fn write_then_parse_round_trips(header in any_header(), payload in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut bytes = Vec::new();
            write(&header, &payload, &mut bytes);
            match parse(&bytes) {
                Ok(parsed) => {
                    prop_assert_eq!(parsed.header, header);
                    prop_assert_eq!(parsed.payload, &payload[..]);
                }
                // Marker + PT 72..=76 is exactly the RTCP range, which is why those are reserved.
                Err(RtpError::Rtcp) => prop_assert!(header.marker && (72..=76).contains(&header.payload_type)),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn parse_never_panics_and_stays_in_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(packet) = parse(&bytes) {
                prop_assert!(packet.payload.len() + HEADER_LEN <= bytes.len());
            }
        }

        #[test]
        fn parse_never_panics_on_rtp_looking_bytes(mut bytes in proptest::collection::vec(any::<u8>(), 12..64)) {
            bytes[0] = (bytes[0] & 0x3F) | 0x80;
            let _ = parse(&bytes);
        }
    }
}
