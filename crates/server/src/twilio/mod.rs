//! The Twilio carrier: outbound calls placed with Twilio's REST API, inbound calls answered from
//! its voice webhook, both followed through signed status callbacks and talked over a
//! bidirectional Media Stream (`<Connect><Stream>`).
//!
//! Every request from Twilio is checked against `X-Twilio-Signature`, computed over the URL as
//! Twilio reached it (`twilio.public_url` + path) with the account's auth token.

mod dial;
mod http;
mod hub;
mod inbound;
mod rest;

pub use dial::TwilioLeg;
pub(crate) use dial::dial;
pub(crate) use http::router;
pub(crate) use hub::TwilioHub;
pub(crate) use rest::TwilioRest;
