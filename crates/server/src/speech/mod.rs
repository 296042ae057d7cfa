//! Speech engines. So far the local text-to-speech engine that needs no account.

pub mod espeak;
