//! The stand-in against small local servers playing agentline's part.

mod helpers;
mod inbound;
mod media;
mod rest;
