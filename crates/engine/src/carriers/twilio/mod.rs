//! The Twilio carrier: outbound calls placed with Twilio's REST API, inbound calls answered from
//! its voice webhook, both followed through signed status callbacks and talked over a
//! bidirectional Media Stream (`<Connect><Stream>`).
//!
//! Twilio's requests reach the HTTP server (`agentline-server`'s `api::twilio`), which checks
//! `X-Twilio-Signature` and hands them to the call's task through the [`TwilioHub`].

mod dial;
mod hub;
mod rest;

pub(crate) use dial::dial;
pub use dial::{TwilioLeg, status_path, stream_path};
pub use hub::{TwilioHub, TwilioInput, await_start};
pub(crate) use rest::TwilioRest;
