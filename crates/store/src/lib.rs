//! agentline's persistence: one schema and one repository API on SQLite and Postgres.
//!
//! Both engines run the same SQL through sqlx's `Any` driver. The schema uses only TEXT and
//! BIGINT columns and `$N` placeholders (which SQLite accepts too), so every query is written
//! once. Where the engines must differ (write locking, job claiming) [`Dialect`] says which.
//!
//! Every repository function takes a [`Tenant`] and scopes its SQL by it: no query in this
//! crate can read or change another account's rows.

mod column;
mod db;
mod error;
pub mod record;
mod row;
mod sql;
pub mod test_support;

pub mod accounts;
pub mod agents;
pub mod analysis;
pub mod businesses;
pub mod calls;
pub mod campaigns;
pub mod cluster;
pub mod console_sessions;
pub mod contacts;
pub mod dispatch;
pub mod dnc;
pub mod events;
pub mod idempotency;
pub mod keys;
pub mod lifecycle;
pub mod numbers;
mod outbox;
pub mod page;
pub mod rate_limits;
pub mod summary;
pub mod transcripts;
pub mod trunks;
pub mod twilio;
pub mod usage;
pub mod vendors;
pub mod wallet;
pub mod webhook_format;
pub mod webhooks;

pub use db::{Dialect, Store};
pub use error::{Error, Result};
pub use page::{Page, PageRequest};
pub use record::{Filter, Record, Tenant};
pub use sql::Param;
