//! Arbitrary datagrams through the RTP parser; a parsed packet must re-serialise and re-parse
//! to the same header and payload.
#![no_main]

use agentline_media::rtp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = rtp::parse(data) else { return };
    assert!(packet.payload.len() + rtp::HEADER_LEN <= data.len());
    let mut written = Vec::new();
    rtp::write(&packet.header, packet.payload, &mut written);
    let reparsed = rtp::parse(&written).expect("a written packet parses");
    assert_eq!(reparsed, packet);
});
