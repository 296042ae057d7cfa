//! The server's integration tests: each starts the real server on port 0 with its own
//! database and talks to it over HTTP like a client. Every test runs on SQLite and on
//! Postgres (set AGENTLINE_TEST_PG_URL, as scripts/test.sh does).

mod helpers;

mod access;
mod analysis;
mod calls;
mod campaigns;
mod compat_agentphone;
mod compat_kaicalls;
mod compat_klen;
mod compat_krosai;
mod compat_webhooks;
mod console;
mod conversation;
mod drain;
mod errors;
mod impaired;
mod isolation;
mod limits;
mod machines;
mod model;
mod openapi;
mod pagination;
mod peers;
mod receiver;
mod resources;
mod secrets;
mod sip;
mod transcripts;
mod transfers;
mod trunks;
mod twilio;
mod vendors;
mod webhooks;
