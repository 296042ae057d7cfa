//! The receive-side jitter buffer: reorders packets and releases one 20 ms frame per tick.
//!
//! Packets are keyed by an *extended* sequence number (the 16-bit RTP number plus a wrap
//! count), so ordering keeps working across the 65535 → 0 wrap. Playout starts once `depth`
//! frames are buffered; a hole with later frames behind it plays as [`Frame::Missing`], while an
//! empty buffer means the stream paused, so the buffer goes back to buffering instead of
//! inventing silence.

use std::collections::BTreeMap;

use crate::rtp::RtpHeader;

/// Samples in one 20 ms frame at 8 kHz, used to sanity-check timestamps against sequence numbers.
const FRAME_SAMPLES: i64 = 160;
/// A packet this far behind the newest one is not late but from a restarted stream
/// (RFC 3550 appendix A.1 uses the same figure); raised to `capacity` for very deep buffers.
const MAX_MISORDER: i64 = 100;
/// A timestamp off by more than this (one minute at 8 kHz) from what the sequence number
/// predicts means the sender restarted its clock.
const MAX_TIMESTAMP_JUMP: i64 = 8000 * 60;

/// What the buffer did with a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored for playout.
    Accepted,
    /// Already buffered; dropped.
    Duplicate,
    /// Its playout slot has passed; dropped.
    Late,
    /// Stored, but the buffer was full so the oldest frames were discarded to keep latency bounded.
    Overflow,
    /// A new SSRC or a large jump: the buffer was emptied and restarted with this packet.
    Restarted,
}

/// One playout tick's worth of audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The payload of the packet due now (codec bytes, undecoded).
    Audio(Vec<u8>),
    /// The packet due now never arrived but later ones did: conceal or play silence.
    Missing,
}

/// Counters for monitoring; every field only ever grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets pushed, whatever the outcome.
    pub received: u64,
    /// Packets dropped as duplicates.
    pub duplicates: u64,
    /// Packets dropped because their slot had already been played.
    pub late: u64,
    /// [`Frame::Missing`] frames emitted.
    pub lost: u64,
    /// Times the buffer restarted (new SSRC, sequence or timestamp jump).
    pub restarts: u64,
    /// Pushes that forced older frames out because the buffer was full.
    pub overflow: u64,
}

/// A reordering playout buffer for one incoming RTP audio stream of 20 ms packets.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    depth: usize,
    capacity: usize,
    frames: BTreeMap<i64, Vec<u8>>,
    stream: Option<StreamState>,
    stats: JitterStats,
}

/// What the buffer knows about the current stream.
#[derive(Debug, Clone, Copy)]
struct StreamState {
    ssrc: u32,
    /// Extended sequence number and timestamp of the newest packet seen.
    highest: i64,
    highest_timestamp: u32,
    /// The next extended sequence number to play; `None` until playout first starts.
    next: Option<i64>,
    /// Whether frames are being released (false while filling up to `depth`).
    playing: bool,
}

impl JitterBuffer {
    /// A buffer that starts playout once `depth_frames` frames are held (3 = 60 ms) and never
    /// holds more than `capacity_frames` (e.g. 50 = 1 s). Both are raised to at least 1, and
    /// capacity to at least depth.
    pub fn new(depth_frames: usize, capacity_frames: usize) -> Self {
        let depth = depth_frames.max(1);
        let capacity = capacity_frames.max(depth);
        Self { depth, capacity, frames: BTreeMap::new(), stream: None, stats: JitterStats::default() }
    }

    /// Offers one received audio packet. The caller filters out non-audio payload types first.
    pub fn push(&mut self, header: &RtpHeader, payload: &[u8]) -> PushOutcome {
        self.stats.received += 1;
        let Some(mut stream) = self.stream.filter(|stream| stream.ssrc == header.ssrc) else {
            return self.restart(header, payload);
        };
        let ext = extend(stream.highest, header.sequence);
        if self.is_jump(&stream, ext, header.timestamp) {
            return self.restart(header, payload);
        }
        if stream.next.is_some_and(|next| ext < next) {
            self.stats.late += 1;
            return PushOutcome::Late;
        }
        if self.frames.contains_key(&ext) {
            self.stats.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        let outcome = self.store(&mut stream, ext, header.timestamp, payload);
        self.stream = Some(stream);
        outcome
    }

    /// Called once per 20 ms playout tick: the next frame, or `None` while (re)buffering.
    pub fn pop(&mut self) -> Option<Frame> {
        let stream = self.stream.as_mut()?;
        if !stream.playing {
            if self.frames.len() < self.depth {
                return None;
            }
            // Start (or resume after running dry) at the oldest buffered frame: the ticks spent
            // buffering have passed, so the frames missing before it are not worth waiting for.
            stream.playing = true;
            stream.next = self.frames.keys().next().copied();
        }
        let Some(next) = stream.next.filter(|_| !self.frames.is_empty()) else {
            // Ran dry: the sender paused or the network stalled. Re-buffer rather than emit
            // an endless run of Missing frames.
            stream.playing = false;
            return None;
        };
        stream.next = Some(next + 1);
        match self.frames.remove(&next) {
            Some(payload) => Some(Frame::Audio(payload)),
            None => {
                self.stats.lost += 1;
                Some(Frame::Missing)
            }
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Frames currently held.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frames are held.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Whether the sequence number or timestamp moved too far to be the same stream.
    fn is_jump(&self, stream: &StreamState, ext: i64, timestamp: u32) -> bool {
        let ahead = ext - stream.highest;
        if ahead > self.capacity as i64 || -ahead > MAX_MISORDER.max(self.capacity as i64) {
            return true;
        }
        let expected = i64::from(stream.highest_timestamp) + ahead * FRAME_SAMPLES;
        let drift = i64::from(timestamp.wrapping_sub(expected as u32) as i32);
        drift.abs() > MAX_TIMESTAMP_JUMP
    }

    /// Empties the buffer and starts a new stream with this packet.
    fn restart(&mut self, header: &RtpHeader, payload: &[u8]) -> PushOutcome {
        let first_stream = self.stream.is_none();
        self.frames.clear();
        let ext = i64::from(header.sequence);
        self.stream = Some(StreamState {
            ssrc: header.ssrc,
            highest: ext,
            highest_timestamp: header.timestamp,
            next: None,
            playing: false,
        });
        self.frames.insert(ext, payload.to_vec());
        if first_stream {
            return PushOutcome::Accepted;
        }
        self.stats.restarts += 1;
        PushOutcome::Restarted
    }

    /// Inserts a new frame, evicting the oldest ones if the span would exceed the capacity.
    fn store(&mut self, stream: &mut StreamState, ext: i64, timestamp: u32, payload: &[u8]) -> PushOutcome {
        if ext > stream.highest {
            stream.highest = ext;
            stream.highest_timestamp = timestamp;
        }
        self.frames.insert(ext, payload.to_vec());
        // Bound the span from the playout point (or the oldest frame) to the newest frame, so
        // memory and the worst-case run of Missing frames both stay within `capacity`.
        let oldest_allowed = stream.highest - self.capacity as i64 + 1;
        let floor = stream.next.or_else(|| self.frames.keys().next().copied()).unwrap_or(oldest_allowed);
        if floor >= oldest_allowed {
            return PushOutcome::Accepted;
        }
        self.frames = self.frames.split_off(&oldest_allowed);
        if stream.next.is_some() {
            stream.next = Some(oldest_allowed);
        }
        self.stats.overflow += 1;
        PushOutcome::Overflow
    }
}

/// Extends a 16-bit sequence number to the value nearest `reference` (the newest seen).
fn extend(reference: i64, sequence: u16) -> i64 {
    let delta = sequence.wrapping_sub(reference as u16) as i16;
    reference + i64::from(delta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SSRC: u32 = 0x5EED;

    /// A header whose timestamp advances with the sequence number, continuous across the
    /// 65535 → 0 wrap (tests that cross 32767 → 32768 use [`push_run`] instead).
    fn header(sequence: u16) -> RtpHeader {
        header_at(sequence, (i32::from(sequence as i16) * 160) as u32)
    }

    fn header_at(sequence: u16, timestamp: u32) -> RtpHeader {
        RtpHeader { payload_type: 0, marker: false, sequence, timestamp, ssrc: SSRC }
    }

    /// A recognisable payload for a sequence number.
    fn payload(sequence: u16) -> Vec<u8> {
        sequence.to_be_bytes().to_vec()
    }

    fn push(buffer: &mut JitterBuffer, sequence: u16) -> PushOutcome {
        buffer.push(&header(sequence), &payload(sequence))
    }

    /// Pushes the packet `offset` places into a run starting at `start`.
    fn push_run(buffer: &mut JitterBuffer, start: u16, offset: u16) -> PushOutcome {
        let sequence = start.wrapping_add(offset);
        buffer.push(&header_at(sequence, u32::from(offset) * 160), &payload(sequence))
    }

    fn audio(sequence: u16) -> Option<Frame> {
        Some(Frame::Audio(payload(sequence)))
    }

    /// Pops until the buffer stops releasing frames.
    fn drain(buffer: &mut JitterBuffer) -> Vec<Frame> {
        std::iter::from_fn(|| buffer.pop()).collect()
    }

    #[test]
    fn empty_buffer_pops_nothing() {
        let mut buffer = JitterBuffer::new(3, 50);
        assert_eq!(buffer.pop(), None);
        assert!(buffer.is_empty());
    }

    #[test]
    fn waits_for_depth_then_plays_in_order() {
        let mut buffer = JitterBuffer::new(3, 50);
        assert_eq!(push(&mut buffer, 10), PushOutcome::Accepted);
        assert_eq!(buffer.pop(), None);
        push(&mut buffer, 11);
        assert_eq!(buffer.pop(), None);
        push(&mut buffer, 12);
        assert_eq!(buffer.pop(), audio(10));
        push(&mut buffer, 13);
        assert_eq!(buffer.pop(), audio(11));
        assert_eq!(buffer.len(), 2);
        assert_eq!(drain(&mut buffer), [audio(12).unwrap(), audio(13).unwrap()]);
        assert_eq!(buffer.stats(), JitterStats { received: 4, ..JitterStats::default() });
    }

    #[test]
    fn reorders_within_the_window() {
        let mut buffer = JitterBuffer::new(3, 50);
        for sequence in [3, 1, 2, 5, 4, 6] {
            assert_eq!(push(&mut buffer, sequence), PushOutcome::Accepted);
        }
        let expected: Vec<_> = (1..=6).map(|s| audio(s).unwrap()).collect();
        assert_eq!(drain(&mut buffer), expected);
    }

    #[test]
    fn an_earlier_packet_arriving_before_playout_starts_plays_first() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 5);
        push(&mut buffer, 6);
        push(&mut buffer, 4);
        assert_eq!(buffer.pop(), audio(4));
    }

    #[test]
    fn drops_duplicates() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1);
        assert_eq!(push(&mut buffer, 1), PushOutcome::Duplicate);
        push(&mut buffer, 2);
        assert_eq!(drain(&mut buffer), [audio(1).unwrap(), audio(2).unwrap()]);
        assert_eq!(buffer.stats().duplicates, 1);
    }

    #[test]
    fn drops_late_packets() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1);
        push(&mut buffer, 3);
        assert_eq!(buffer.pop(), audio(1));
        assert_eq!(buffer.pop(), Some(Frame::Missing));
        assert_eq!(push(&mut buffer, 2), PushOutcome::Late);
        assert_eq!(push(&mut buffer, 1), PushOutcome::Late);
        assert_eq!(buffer.pop(), audio(3));
        let stats = buffer.stats();
        assert_eq!((stats.late, stats.lost, stats.received), (2, 1, 4));
    }

    #[test]
    fn gaps_play_as_missing() {
        let mut buffer = JitterBuffer::new(3, 50);
        for sequence in [1, 2, 5, 6] {
            push(&mut buffer, sequence);
        }
        let frames = drain(&mut buffer);
        assert_eq!(
            frames,
            [
                audio(1).unwrap(),
                audio(2).unwrap(),
                Frame::Missing,
                Frame::Missing,
                audio(5).unwrap(),
                audio(6).unwrap()
            ]
        );
        assert_eq!(buffer.stats().lost, 2);
    }

    #[test]
    fn running_dry_rebuffers_instead_of_emitting_missing_forever() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1);
        push(&mut buffer, 2);
        assert_eq!(drain(&mut buffer).len(), 2);
        for _ in 0..10 {
            assert_eq!(buffer.pop(), None);
        }
        assert_eq!(buffer.stats().lost, 0);
        // The stream resumes after a pause: buffer up again, then continue from the new packets.
        push(&mut buffer, 9);
        assert_eq!(buffer.pop(), None);
        push(&mut buffer, 10);
        assert_eq!(buffer.pop(), audio(9));
        assert_eq!(buffer.pop(), audio(10));
        assert_eq!(buffer.stats().lost, 0);
    }

    #[test]
    fn a_straggler_arriving_while_rebuffering_still_plays() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1);
        push(&mut buffer, 2);
        drain(&mut buffer);
        assert_eq!(push(&mut buffer, 3), PushOutcome::Accepted);
        push(&mut buffer, 4);
        assert_eq!(drain(&mut buffer), [audio(3).unwrap(), audio(4).unwrap()]);
    }

    #[test]
    fn survives_the_sequence_wrap() {
        let mut buffer = JitterBuffer::new(3, 50);
        let sequence: Vec<u16> = vec![65533, 65535, 65534, 1, 0, 2];
        for &s in &sequence {
            assert_eq!(push(&mut buffer, s), PushOutcome::Accepted, "seq {s}");
        }
        let expected: Vec<_> = [65533, 65534, 65535, 0, 1, 2].iter().map(|&s| audio(s).unwrap()).collect();
        assert_eq!(drain(&mut buffer), expected);
        assert_eq!(push(&mut buffer, 65535), PushOutcome::Late);
    }

    #[test]
    fn wraps_repeatedly_over_a_long_stream() {
        let mut buffer = JitterBuffer::new(3, 50);
        let mut played = 0u32;
        for n in 0..200_000u32 {
            let sequence = n as u16;
            let outcome = buffer.push(&header_at(sequence, n.wrapping_mul(160)), &payload(sequence));
            assert_eq!(outcome, PushOutcome::Accepted, "packet {n}");
            if let Some(frame) = buffer.pop() {
                assert_eq!(frame, audio(played as u16).unwrap());
                played += 1;
            }
        }
        assert_eq!(played, 200_000 - 2);
    }

    #[test]
    fn a_new_ssrc_restarts_the_buffer() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 100);
        push(&mut buffer, 101);
        assert_eq!(buffer.pop(), audio(100));
        let other = RtpHeader { ssrc: 0xBEEF, ..header(7) };
        assert_eq!(buffer.push(&other, &[7]), PushOutcome::Restarted);
        assert_eq!(buffer.len(), 1);
        assert_eq!(buffer.pop(), None);
        buffer.push(&RtpHeader { ssrc: 0xBEEF, ..header(8) }, &[8]);
        assert_eq!(drain(&mut buffer), [Frame::Audio(vec![7]), Frame::Audio(vec![8])]);
        // The old stream's packets now count as a new SSRC too.
        assert_eq!(push(&mut buffer, 102), PushOutcome::Restarted);
        assert_eq!(buffer.stats().restarts, 2);
    }

    #[test]
    fn a_big_sequence_jump_restarts() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1000);
        push(&mut buffer, 1001);
        assert_eq!(push(&mut buffer, 5000), PushOutcome::Restarted);
        assert_eq!(buffer.len(), 1);
        // So does a big jump backwards (a sender restarting its numbering).
        assert_eq!(push(&mut buffer, 10), PushOutcome::Restarted);
        push(&mut buffer, 11);
        assert_eq!(drain(&mut buffer), [audio(10).unwrap(), audio(11).unwrap()]);
    }

    #[test]
    fn a_big_timestamp_jump_restarts() {
        let mut buffer = JitterBuffer::new(2, 50);
        push(&mut buffer, 1);
        let outcome = buffer.push(&header_at(2, 160 * 2 + 8000 * 120), &payload(2));
        assert_eq!(outcome, PushOutcome::Restarted);
        // A short silence-suppression gap in the timestamps is normal and keeps the stream.
        let outcome = buffer.push(&header_at(3, 160 * 2 + 8000 * 125), &payload(3));
        assert_eq!(outcome, PushOutcome::Accepted);
    }

    #[test]
    fn overflow_discards_the_oldest_frames() {
        let mut buffer = JitterBuffer::new(2, 4);
        for sequence in 0..4 {
            assert_eq!(push(&mut buffer, sequence), PushOutcome::Accepted);
        }
        assert_eq!(push(&mut buffer, 4), PushOutcome::Overflow);
        assert_eq!(buffer.len(), 4);
        let expected: Vec<_> = (1..=4).map(|s| audio(s).unwrap()).collect();
        assert_eq!(drain(&mut buffer), expected);
        assert_eq!(buffer.stats().overflow, 1);
    }

    #[test]
    fn overflow_while_playing_moves_the_playout_point() {
        let mut buffer = JitterBuffer::new(1, 3);
        push(&mut buffer, 0);
        assert_eq!(buffer.pop(), audio(0));
        push(&mut buffer, 1);
        push(&mut buffer, 2);
        push(&mut buffer, 3);
        assert_eq!(push(&mut buffer, 4), PushOutcome::Overflow);
        assert_eq!(push(&mut buffer, 1), PushOutcome::Late);
        assert_eq!(drain(&mut buffer), [audio(2).unwrap(), audio(3).unwrap(), audio(4).unwrap()]);
    }

    #[test]
    fn runs_of_missing_frames_are_bounded_by_the_capacity() {
        let mut buffer = JitterBuffer::new(1, 10);
        push(&mut buffer, 0);
        assert_eq!(buffer.pop(), audio(0));
        // Each packet is within the jump limit of the previous one, but together they would
        // span far more than the buffer's capacity.
        for sequence in [8, 16, 24, 32] {
            push(&mut buffer, sequence);
        }
        let frames = drain(&mut buffer);
        assert!(frames.len() <= 10, "{} frames", frames.len());
        assert_eq!(frames.last(), audio(32).as_ref());
    }

    #[test]
    fn zero_depth_and_capacity_are_raised_to_one() {
        let mut buffer = JitterBuffer::new(0, 0);
        push(&mut buffer, 1);
        assert_eq!(buffer.pop(), audio(1));
        assert_eq!(buffer.pop(), None);
    }

    /// A permutation of `n` consecutive packets, starting at a random sequence number.
    fn shuffled_run() -> impl Strategy<Value = (u16, Vec<u16>)> {
        (any::<u16>(), 1usize..50).prop_flat_map(|(start, n)| {
            let offsets: Vec<u16> = (0..n as u16).collect();
            (Just(start), Just(offsets).prop_shuffle())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn any_permutation_within_the_window_plays_in_order((start, offsets) in shuffled_run(), depth in 1usize..5) {
            let mut buffer = JitterBuffer::new(depth.min(offsets.len()), 50);
            for &offset in &offsets {
                prop_assert_eq!(push_run(&mut buffer, start, offset), PushOutcome::Accepted);
            }
            let expected: Vec<_> = (0..offsets.len() as u16).map(|o| audio(start.wrapping_add(o)).unwrap()).collect();
            prop_assert_eq!(drain(&mut buffer), expected);
            prop_assert_eq!(buffer.stats().lost, 0);
        }

        #[test]
        fn jitter_smaller_than_the_depth_loses_nothing_while_playing(
            start in any::<u16>(),
            depth in 1usize..6,
            blocks in proptest::collection::vec(Just(()), 1..20),
            seed in any::<u64>(),
        ) {
            // Packets arrive shuffled within blocks of `depth`, one per tick, so none is ever
            // more than `depth - 1` ticks late; the buffer must hide all of it.
            let mut order: Vec<u16> = Vec::new();
            let mut rng = seed;
            for block in 0..blocks.len() as u16 {
                let mut chunk: Vec<u16> = (0..depth as u16).map(|i| block * depth as u16 + i).collect();
                for i in (1..chunk.len()).rev() {
                    rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    chunk.swap(i, (rng >> 33) as usize % (i + 1));
                }
                order.extend(chunk);
            }
            let mut buffer = JitterBuffer::new(depth, 50);
            let mut played = Vec::new();
            for &offset in &order {
                prop_assert_eq!(push_run(&mut buffer, start, offset), PushOutcome::Accepted);
                played.extend(buffer.pop());
            }
            played.extend(drain(&mut buffer));
            let expected: Vec<_> = (0..order.len() as u16).map(|o| audio(start.wrapping_add(o)).unwrap()).collect();
            prop_assert_eq!(played, expected);
        }

        #[test]
        fn arbitrary_pushes_and_pops_never_panic_and_stay_bounded(
            ops in proptest::collection::vec((any::<u16>(), any::<u32>(), 0u32..3, any::<bool>()), 0..200),
        ) {
            let mut buffer = JitterBuffer::new(3, 20);
            for (sequence, timestamp, ssrc, pop) in ops {
                if pop {
                    buffer.pop();
                } else {
                    buffer.push(&RtpHeader { ssrc, ..header_at(sequence, timestamp) }, &[1]);
                }
                prop_assert!(buffer.len() <= 20);
            }
        }
    }
}
