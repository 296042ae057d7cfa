//! Arbitrary text through the SDP parser, then both negotiation directions.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use agentline_media::Codec;
use agentline_media::sdp::{self, Offer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(session) = sdp::parse(text) else { return };
    let local = Offer {
        session_id: 1,
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 40000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        ptime_ms: 20,
    };
    let _ = sdp::negotiate(&local, &session);
    if let Ok((_, answer)) = sdp::answer_for(&session, &local) {
        sdp::parse(&answer).expect("our own answer parses");
    }
});
