//! Arbitrary bytes as telephone-event payloads: the parser, and the receiver fed a stream of
//! packets cut from the input (first 5 bytes of each: timestamp selector + 4-byte payload).
#![no_main]

use agentline_media::RtpHeader;
use agentline_media::dtmf::{self, DtmfReceiver};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = dtmf::parse_event(data) {
        let mut written = Vec::new();
        dtmf::write_event(&event, &mut written);
        assert_eq!(dtmf::parse_event(&written), Ok(event));
    }
    let mut receiver = DtmfReceiver::new();
    for (sequence, chunk) in data.chunks(5).enumerate() {
        let Some((&selector, payload)) = chunk.split_first() else { continue };
        let header = RtpHeader {
            payload_type: 101,
            marker: false,
            sequence: sequence as u16,
            timestamp: u32::from(selector % 8) * 800,
            ssrc: u32::from(selector >> 7),
        };
        if let Some(digit) = receiver.push(&header, payload) {
            assert!(dtmf::digit_to_event(digit).is_some());
        }
    }
});
