//! The formats a webhook destination may receive events in: agentline's own, or a seed
//! service's (how each is rendered lives in the store, where the deliveries are written).

/// agentline's envelope, signed with Standard Webhooks headers.
pub const STANDARD: &str = "standard";
/// Klen AI: `event_type` with Klen's names, and `x-klen-signature`.
pub const KLEN: &str = "klen";
/// KaiCalls: a flat payload, sent for `call.completed` and `call.failed` only.
pub const KAICALLS: &str = "kaicalls";
/// Every format a destination may have.
pub const FORMATS: [&str; 3] = [STANDARD, KLEN, KAICALLS];
