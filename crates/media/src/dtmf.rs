//! DTMF as RFC 4733 telephone-events: the 4-byte payload, digit mapping, and the send and
//! receive state machines.
//!
//! One key press is one *event*: every packet of it carries the same RTP timestamp (the press's
//! start) and a growing duration; the last one has the end bit and is sent three times because
//! RTP is lossy. That shared timestamp is what both sides key on.

use std::collections::VecDeque;

use crate::rtp::RtpHeader;

/// Samples per 20 ms packet interval at the 8 kHz telephone-event clock.
const SAMPLES_PER_PACKET: u16 = 160;
/// How many times the end packet is sent (RFC 4733 §2.5.1.4 recommends three).
const END_REPEATS: usize = 3;
/// Longest event we generate: the 16-bit duration field holds at most 65535 samples (8.19 s),
/// so this is the largest whole number of 20 ms packets that fits.
const MAX_DURATION_MS: u32 = 8180;
/// Events whose timestamps the receiver remembers, to ignore stragglers of finished ones.
const REMEMBERED_EVENTS: usize = 16;

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// Event code: 0-9 digits, 10 `*`, 11 `#`, 12-15 `A`-`D` (see [`digit_to_event`]).
    pub event: u8,
    /// Set on the final packet(s) of the event.
    pub end: bool,
    /// Power level in -dBm0, 0..=63 (lower is louder).
    pub volume: u8,
    /// Length so far, in timestamp units (samples at 8 kHz).
    pub duration: u16,
}

/// Why a payload is not a telephone-event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// Shorter than the 4-byte event payload.
    #[error("telephone-event payload too short: {len} bytes")]
    TooShort {
        /// The payload's length.
        len: usize,
    },
}

/// Parses a telephone-event payload; bytes after the first event are ignored.
pub fn parse_event(payload: &[u8]) -> Result<DtmfEvent, DtmfError> {
    let [event, flags, high, low, ..] = *payload else {
        return Err(DtmfError::TooShort { len: payload.len() });
    };
    // flags: E (end), R (reserved, ignored), then a 6-bit volume.
    Ok(DtmfEvent { event, end: flags & 0x80 != 0, volume: flags & 0x3F, duration: u16::from_be_bytes([high, low]) })
}

/// Appends the 4-byte payload for `event`; the volume is masked to its 6 bits.
pub fn write_event(event: &DtmfEvent, out: &mut Vec<u8>) {
    let flags = (u8::from(event.end) << 7) | (event.volume & 0x3F);
    out.extend_from_slice(&[event.event, flags]);
    out.extend_from_slice(&event.duration.to_be_bytes());
}

/// The event code for a keypad character: `0`-`9`, `*`, `#`, `A`-`D` (either case).
pub fn digit_to_event(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(c as u8 - b'A' + 12),
        'a'..='d' => Some(c as u8 - b'a' + 12),
        _ => None,
    }
}

/// The keypad character for an event code 0-15 (uppercase letters).
pub fn event_to_digit(e: u8) -> Option<char> {
    match e {
        0..=9 => Some(char::from(b'0' + e)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + e - 12)),
        _ => None,
    }
}

/// Turns incoming telephone-event packets into digits, each reported exactly once.
///
/// Feed it only packets of the negotiated telephone-event payload type. A digit is reported at
/// its first end packet; if a new event starts before the previous one's end packet arrived (all
/// end packets lost), the previous digit is reported then.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    current: Option<EventState>,
    /// (ssrc, timestamp) of recent events, so late or repeated packets of them are ignored.
    seen: VecDeque<(u32, u32)>,
}

/// The event being received.
#[derive(Debug, Clone, Copy)]
struct EventState {
    key: (u32, u32),
    digit: Option<char>,
    reported: bool,
}

impl DtmfReceiver {
    /// A receiver that has seen no events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers one telephone-event packet; returns a digit when one is complete.
    pub fn push(&mut self, header: &RtpHeader, payload: &[u8]) -> Option<char> {
        let event = parse_event(payload).ok()?;
        let key = (header.ssrc, header.timestamp);
        match self.current.as_mut() {
            Some(current) if current.key == key => Self::continue_event(current, event),
            _ if self.seen.contains(&key) => None,
            _ => self.start_event(key, event),
        }
    }

    /// A further packet of the event in progress: report it at its first end packet.
    fn continue_event(current: &mut EventState, event: DtmfEvent) -> Option<char> {
        if !event.end || current.reported {
            return None;
        }
        current.reported = true;
        current.digit
    }

    /// The first packet of a new event; reports the previous event if it never ended.
    fn start_event(&mut self, key: (u32, u32), event: DtmfEvent) -> Option<char> {
        if self.seen.len() == REMEMBERED_EVENTS {
            self.seen.pop_front();
        }
        self.seen.push_back(key);
        let digit = event_to_digit(event.event);
        let unfinished = self.current.filter(|previous| !previous.reported).and_then(|previous| previous.digit);
        self.current = Some(EventState { key, digit, reported: false });
        if unfinished.is_some() {
            // One digit per call: this event's own end packet (sent three times) reports it.
            return unfinished;
        }
        let current = self.current.as_mut()?;
        Self::continue_event(current, event)
    }
}

/// Builds the packets for sending a digit.
#[derive(Debug, Clone, Copy)]
pub struct DtmfSender;

impl DtmfSender {
    /// The payloads for one key press of `duration_ms` (8 kHz clock), to be sent one per 20 ms.
    ///
    /// The first has duration 160 and each next one 160 more, until the last 20 ms step, which
    /// is sent as three identical end packets carrying the full duration (so a 100 ms press is
    /// 160, 320, 480, 640, then 800 three times). All of them go out with the same RTP
    /// timestamp, the event's start, and only the first has the marker bit: get the headers
    /// from [`RtpSequencer::next_event`](crate::rtp::RtpSequencer::next_event). Durations are
    /// rounded up to whole 20 ms packets and capped at 8180 ms (the 16-bit duration field);
    /// `volume` is capped at 63. Returns `None` for characters that are not keypad digits.
    pub fn packets(digit: char, duration_ms: u32, volume: u8) -> Option<Vec<DtmfEvent>> {
        let event = digit_to_event(digit)?;
        let steps = duration_ms.clamp(1, MAX_DURATION_MS).div_ceil(20) as u16;
        let volume = volume.min(63);
        let packet = |step: u16, end: bool| DtmfEvent { event, end, volume, duration: step * SAMPLES_PER_PACKET };
        let mut packets: Vec<DtmfEvent> = (1..steps).map(|step| packet(step, false)).collect();
        packets.extend(std::iter::repeat_n(packet(steps, true), END_REPEATS));
        Some(packets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header(ssrc: u32, timestamp: u32, sequence: u16) -> RtpHeader {
        RtpHeader { payload_type: 101, marker: false, sequence, timestamp, ssrc }
    }

    fn bytes(event: u8, end: bool, duration: u16) -> Vec<u8> {
        let mut out = Vec::new();
        write_event(&DtmfEvent { event, end, volume: 10, duration }, &mut out);
        out
    }

    /// The packets of one press as a sender emits them: progress packets, then 3 end packets.
    fn press(receiver: &mut DtmfReceiver, ssrc: u32, timestamp: u32, event: u8) -> Vec<char> {
        let packets = DtmfSender::packets(event_to_digit(event).unwrap(), 100, 10).unwrap();
        let mut digits = Vec::new();
        for (i, packet) in packets.iter().enumerate() {
            let mut payload = Vec::new();
            write_event(packet, &mut payload);
            digits.extend(receiver.push(&header(ssrc, timestamp, i as u16), &payload));
        }
        digits
    }

    #[test]
    fn parses_the_rfc_layout() {
        let event = parse_event(&[5, 0x8A, 0x03, 0x20]).unwrap();
        assert_eq!(event, DtmfEvent { event: 5, end: true, volume: 10, duration: 800 });
        // The reserved bit is ignored.
        assert_eq!(
            parse_event(&[11, 0x4A, 0, 160]).unwrap(),
            DtmfEvent { event: 11, end: false, volume: 10, duration: 160 }
        );
        // Trailing bytes are ignored.
        assert_eq!(parse_event(&[1, 0, 0, 160, 9, 9]).unwrap().event, 1);
    }

    #[test]
    fn rejects_short_payloads() {
        assert_eq!(parse_event(&[]), Err(DtmfError::TooShort { len: 0 }));
        assert_eq!(parse_event(&[1, 2, 3]), Err(DtmfError::TooShort { len: 3 }));
    }

    #[test]
    fn writes_the_rfc_layout() {
        assert_eq!(bytes(5, true, 800), [5, 0x8A, 0x03, 0x20]);
        let mut out = vec![0xEE];
        write_event(&DtmfEvent { event: 1, end: false, volume: 0xFF, duration: 1 }, &mut out);
        assert_eq!(out, [0xEE, 1, 0x3F, 0, 1]);
    }

    #[test]
    fn maps_digits_both_ways() {
        let keypad = "0123456789*#ABCD";
        for (code, digit) in keypad.chars().enumerate() {
            assert_eq!(digit_to_event(digit), Some(code as u8));
            assert_eq!(event_to_digit(code as u8), Some(digit));
        }
        assert_eq!(digit_to_event('a'), Some(12));
        assert_eq!(digit_to_event('d'), Some(15));
        assert_eq!(digit_to_event('E'), None);
        assert_eq!(digit_to_event(' '), None);
        assert_eq!(event_to_digit(16), None);
        assert_eq!(event_to_digit(255), None);
    }

    #[test]
    fn reports_each_digit_once_at_its_first_end_packet() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(receiver.push(&header(1, 1000, 0), &bytes(1, false, 160)), None);
        assert_eq!(receiver.push(&header(1, 1000, 1), &bytes(1, false, 320)), None);
        assert_eq!(receiver.push(&header(1, 1000, 2), &bytes(1, true, 480)), Some('1'));
        assert_eq!(receiver.push(&header(1, 1000, 3), &bytes(1, true, 480)), None);
        assert_eq!(receiver.push(&header(1, 1000, 4), &bytes(1, true, 480)), None);
    }

    #[test]
    fn a_sequence_of_presses_yields_each_digit() {
        let mut receiver = DtmfReceiver::default();
        let mut digits = Vec::new();
        for (i, event) in [1u8, 2, 2, 11, 10].into_iter().enumerate() {
            digits.extend(press(&mut receiver, 7, 8000 * i as u32, event));
        }
        assert_eq!(digits, ['1', '2', '2', '#', '*']);
    }

    #[test]
    fn an_event_whose_end_packets_were_lost_is_reported_when_the_next_begins() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(receiver.push(&header(1, 1000, 0), &bytes(4, false, 160)), None);
        assert_eq!(receiver.push(&header(1, 3000, 1), &bytes(5, false, 160)), Some('4'));
        assert_eq!(receiver.push(&header(1, 3000, 2), &bytes(5, true, 320)), Some('5'));
    }

    #[test]
    fn a_lone_end_packet_after_an_unfinished_event_is_reported_by_its_repeats() {
        let mut receiver = DtmfReceiver::new();
        receiver.push(&header(1, 1000, 0), &bytes(4, false, 160));
        assert_eq!(receiver.push(&header(1, 3000, 1), &bytes(5, true, 320)), Some('4'));
        assert_eq!(receiver.push(&header(1, 3000, 2), &bytes(5, true, 320)), Some('5'));
        assert_eq!(receiver.push(&header(1, 3000, 3), &bytes(5, true, 320)), None);
    }

    #[test]
    fn stragglers_of_a_finished_event_are_ignored() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(press(&mut receiver, 1, 1000, 3), ['3']);
        assert_eq!(press(&mut receiver, 1, 5000, 4), ['4']);
        assert_eq!(receiver.push(&header(1, 1000, 9), &bytes(3, true, 800)), None);
    }

    #[test]
    fn the_same_timestamp_on_another_ssrc_is_another_event() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(press(&mut receiver, 1, 1000, 3), ['3']);
        assert_eq!(press(&mut receiver, 2, 1000, 3), ['3']);
    }

    #[test]
    fn malformed_and_non_digit_events_are_ignored() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(receiver.push(&header(1, 1000, 0), &[1, 0x80]), None);
        // Event 16 (hook flash) is valid but not a digit.
        assert_eq!(receiver.push(&header(1, 2000, 1), &bytes(16, true, 160)), None);
        assert_eq!(receiver.push(&header(1, 3000, 2), &bytes(9, true, 160)), Some('9'));
    }

    #[test]
    fn sender_builds_growing_then_three_end_packets() {
        let packets = DtmfSender::packets('5', 100, 10).unwrap();
        let durations: Vec<u16> = packets.iter().map(|p| p.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = packets.iter().map(|p| p.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert!(packets.iter().all(|p| p.event == 5 && p.volume == 10));
    }

    #[test]
    fn sender_rounds_and_caps_durations() {
        let short = DtmfSender::packets('#', 0, 99).unwrap();
        assert_eq!(short.len(), 3);
        assert!(short.iter().all(|p| p.end && p.duration == 160 && p.volume == 63 && p.event == 11));
        assert_eq!(DtmfSender::packets('1', 50, 10).unwrap().last().unwrap().duration, 480);
        let long = DtmfSender::packets('1', u32::MAX, 10).unwrap();
        assert_eq!(long.last().unwrap().duration, 65440);
        assert_eq!(long.len(), 409 - 1 + 3);
        assert_eq!(DtmfSender::packets('x', 100, 10), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = parse_event(&payload);
        }

        #[test]
        fn write_then_parse_round_trips(event in any::<u8>(), end in any::<bool>(), volume in 0u8..64, duration in any::<u16>()) {
            let original = DtmfEvent { event, end, volume, duration };
            let mut out = Vec::new();
            write_event(&original, &mut out);
            prop_assert_eq!(out.len(), 4);
            prop_assert_eq!(parse_event(&out), Ok(original));
        }

        #[test]
        fn every_digit_sent_is_received_exactly_once(
            digits in proptest::collection::vec(proptest::sample::select("0123456789*#ABCD".chars().collect::<Vec<_>>()), 0..12),
            duration_ms in 20u32..300,
        ) {
            let mut receiver = DtmfReceiver::new();
            let mut received = Vec::new();
            for (i, &digit) in digits.iter().enumerate() {
                let timestamp = 16_000 * i as u32;
                for packet in DtmfSender::packets(digit, duration_ms, 10).unwrap() {
                    let mut payload = Vec::new();
                    write_event(&packet, &mut payload);
                    received.extend(receiver.push(&header(9, timestamp, 0), &payload));
                }
            }
            prop_assert_eq!(received, digits);
        }

        #[test]
        fn receiver_never_panics(packets in proptest::collection::vec((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..6)), 0..40)) {
            let mut receiver = DtmfReceiver::new();
            for (timestamp, payload) in packets {
                let _ = receiver.push(&header(1, timestamp % 4, 0), &payload);
            }
        }
    }
}

/// A key press as in-band audio (8 kHz): the digit's two DTMF frequencies for `tone_ms`, then
/// `gap_ms` of silence, for carriers that carry no RFC 4733 events (Twilio Media Streams).
/// `None` for characters that are not keypad digits.
pub fn tone(digit: char, tone_ms: u32, gap_ms: u32) -> Option<Vec<i16>> {
    const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLUMNS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    const KEYS: [&str; 4] = ["123A", "456B", "789C", "*0#D"];
    let (row, column) =
        KEYS.iter().enumerate().find_map(|(row, keys)| keys.find(digit.to_ascii_uppercase()).map(|col| (row, col)))?;
    let (low, high) = (ROWS[row], COLUMNS[column]);
    let tone_samples = (tone_ms.min(2_000) * 8) as usize;
    let mut pcm: Vec<i16> = (0..tone_samples)
        .map(|n| {
            let t = n as f64 / 8_000.0;
            let sample = (2.0 * std::f64::consts::PI * low * t).sin() + (2.0 * std::f64::consts::PI * high * t).sin();
            (sample * 6_000.0) as i16
        })
        .collect();
    pcm.resize(tone_samples + (gap_ms.min(2_000) * 8) as usize, 0);
    Some(pcm)
}

#[cfg(test)]
mod tone_tests {
    use super::tone;

    /// Energy of `pcm` at `hz` (one Goertzel bin).
    fn power(pcm: &[i16], hz: f64) -> f64 {
        let k = 2.0 * (2.0 * std::f64::consts::PI * hz / 8_000.0).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in pcm {
            let s = f64::from(x) + k * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        s1 * s1 + s2 * s2 - k * s1 * s2
    }

    #[test]
    fn a_key_is_its_two_frequencies_then_silence() {
        let pcm = tone('5', 100, 60).unwrap();
        assert_eq!(pcm.len(), 1_280);
        let (voice, gap) = pcm.split_at(800);
        assert!(gap.iter().all(|&s| s == 0));
        let (row, column, other) = (power(voice, 770.0), power(voice, 1336.0), power(voice, 941.0));
        assert!(row > 100.0 * other && column > 100.0 * other, "{row} {column} {other}");
        assert!(tone('x', 100, 60).is_none());
        assert!(tone('#', 100, 0).is_some() && tone('d', 100, 0).is_some());
    }
}
