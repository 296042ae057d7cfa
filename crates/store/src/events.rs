//! The call event log: one row per thing that happened to a call, and the webhook event type
//! each status is announced as.
//!
//! Events are written by [`crate::calls`] (in the transaction that changes the call) and read
//! back here by the API and live streams. This module knows nothing of the call row, so
//! [`crate::webhooks`] can build deliveries from an event without importing the calls module.

use crate::record::Tenant;
use crate::{Result, Store};
use agentline_domain::call::CallStatus;
use agentline_domain::{AccountId, CallId, EventId, Timestamp};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One entry of a call's event log: what webhooks and live streams are fed from.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CallEventRecord {
    pub id: EventId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub call_id: CallId,
    /// `call.queued`, `call.initiated`, `call.ringing`, `call.answered`, `call.in_progress`,
    /// `call.completed` or `call.failed`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub status: CallStatus,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: Timestamp,
}

crate::column::record! {
    CallEventRecord in "call_events", business_scoped: false {
        id: parsed,
        account_id: parsed,
        call_id: parsed,
        event_type as "type": text,
        status: variant,
        payload: json,
        created_at: time,
    }
}

/// The event type webhooks carry for a call that just reached `status`.
pub fn event_type(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Queued => "call.queued",
        CallStatus::Initiated => "call.initiated",
        CallStatus::Ringing => "call.ringing",
        CallStatus::Answered => "call.answered",
        CallStatus::InProgress => "call.in_progress",
        CallStatus::Completed => "call.completed",
        CallStatus::Failed | CallStatus::NoAnswer | CallStatus::Busy | CallStatus::Canceled => "call.failed",
    }
}

/// A call's events after the event `after` (all when `None`), oldest first.
pub async fn events_after(
    store: &Store,
    tenant: &Tenant,
    call_id: &CallId,
    after: Option<&str>,
) -> Result<Vec<CallEventRecord>> {
    Ok(sqlx::query_as(
        "SELECT * FROM call_events WHERE account_id = $1 AND call_id = $2 AND id > $3 ORDER BY id LIMIT 500",
    )
    .bind(tenant.account_id.as_str())
    .bind(call_id.as_str())
    .bind(after.unwrap_or(""))
    .fetch_all(store.pool())
    .await?)
}

/// A call's events, oldest first.
pub async fn events(store: &Store, tenant: &Tenant, call_id: &CallId) -> Result<Vec<CallEventRecord>> {
    Ok(sqlx::query_as("SELECT * FROM call_events WHERE account_id = $1 AND call_id = $2 ORDER BY id")
        .bind(tenant.account_id.as_str())
        .bind(call_id.as_str())
        .fetch_all(store.pool())
        .await?)
}
