//! Arbitrary text as a Twilio Media Streams frame: parsing never panics, and a `media` frame's
//! audio (base64 in the frame) is never longer than the frame.
#![no_main]

use agentline_media::twilio_stream::{self, Inbound};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(Inbound::Media(audio)) = twilio_stream::parse(text) {
        assert!(audio.len() <= text.len(), "the audio comes from the frame");
    }
});
