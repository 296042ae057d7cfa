//! Arbitrary bytes as a script of jitter-buffer operations. Each 8-byte record is one step:
//! opcode, sequence (2), timestamp delta (2), ssrc selector, payload length, payload byte.
//! Opcodes below 0x40 pop; the rest push a packet.
#![no_main]

use agentline_media::RtpHeader;
use agentline_media::jitter::{Frame, JitterBuffer};
use libfuzzer_sys::fuzz_target;

const CAPACITY: usize = 16;

fuzz_target!(|data: &[u8]| {
    let mut buffer = JitterBuffer::new(3, CAPACITY);
    let mut timestamp = 0u32;
    for record in data.chunks_exact(8) {
        if record[0] < 0x40 {
            if let Some(Frame::Audio(payload)) = buffer.pop() {
                assert!(payload.len() <= 255);
            }
            continue;
        }
        timestamp = timestamp.wrapping_add(u32::from(u16::from_be_bytes([record[3], record[4]])));
        let header = RtpHeader {
            payload_type: 0,
            marker: record[0] & 1 != 0,
            sequence: u16::from_be_bytes([record[1], record[2]]),
            timestamp,
            ssrc: u32::from(record[5] % 3),
        };
        let payload = vec![record[7]; usize::from(record[6])];
        buffer.push(&header, &payload);
        assert!(buffer.len() <= CAPACITY);
    }
});
