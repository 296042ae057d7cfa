//! agentline's vocabulary: the types every other crate speaks in.
//!
//! Pure by design: no async runtime, socket, database or HTTP crate is a dependency, so
//! everything here is deterministic and tested without IO. Parsing functions turn outside
//! input into these types ("parse, don't validate"); once you hold a [`PhoneNumber`] or an
//! [`ScopeSet`], it is valid.

pub mod analysis;
pub mod brain;
pub mod call;
pub mod campaign;
pub mod id;
pub mod phone;
pub mod route;
pub mod sandbox;
pub mod scope;
pub mod secret;
pub mod speech;
pub mod template;
pub mod time;
pub mod transfer;
pub mod trunk;
pub mod twilio;
pub mod validate;
pub mod vendor;
pub mod voicemail;
pub mod webhook;
pub mod webhook_format;

pub use id::*;
pub use phone::{PhoneNumber, PhoneNumberError};
pub use route::{CarrierKind, Direction};
pub use scope::{Scope, ScopeSet};
pub use secret::{ApiKeyMode, GeneratedSecret, SecretString};
pub use time::Timestamp;
