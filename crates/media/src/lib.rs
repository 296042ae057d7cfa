//! Telephony media as pure, deterministic code: no sockets, no clocks. Callers pass bytes and
//! instants in and get bytes and decisions out, so every rule here is unit- and property-tested.
//!
//! - [`g711`]: μ-law / A-law sample codecs and the [`Codec`] enum.
//! - [`rtp`]: RTP packet parsing/writing and the sending side's numbering.
//! - [`jitter`]: the receive-side reorder/playout buffer.
//! - [`dtmf`]: RFC 4733 telephone-events (send and receive).
//! - [`sdp`]: the minimal SDP offer/answer a telephone call needs.
//! - [`playout`]: the agent's flushable outgoing audio queue and the 20 ms pacer.
//! - [`twilio_stream`]: Twilio Media Streams messages (JSON over WebSocket).
//! - [`heard`]: what a buffering far end has played of our speech, from echoed marks.
//! - [`resample`]: sample-rate conversion for TTS output and speech recognition input.

pub mod dtmf;
pub mod g711;
pub mod heard;
pub mod jitter;
pub mod playout;
pub mod resample;
pub mod rtp;
pub mod sdp;
pub mod twilio_stream;

pub use g711::Codec;
pub use rtp::{RtpHeader, RtpPacket};
