//! The usage log: one row per authenticated API request, per charged call and per call analysis.

use agentline_domain::{AccountId, KeyId, Timestamp, UsageId};
use serde::Serialize;
use utoipa::ToSchema;

/// One API request as logged.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UsageRecord {
    pub id: UsageId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub key_id: Option<KeyId>,
    pub method: String,
    /// The route, with ids in place (`/v1/agents/agt_…`).
    pub endpoint: String,
    pub status_code: i64,
    pub call_id: Option<String>,
    pub cost_cents: i64,
    /// Tokens a model read and wrote for this entry (a call's analysis), when its server said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<i64>,
    pub created_at: Timestamp,
}

crate::column::record! {
    UsageRecord in "usage_log", business_scoped: false {
        id: parsed,
        account_id: parsed,
        key_id: opt_parsed,
        method: text,
        endpoint: text,
        status_code: int,
        call_id: opt_text,
        cost_cents: int,
        prompt_tokens: opt_int,
        completion_tokens: opt_int,
        created_at: time,
    }
}

/// Writes `rows` in one transaction.
pub async fn insert_batch(store: &crate::Store, rows: &[UsageRecord]) -> crate::Result<()> {
    let mut tx = store.begin_write().await?;
    for row in rows {
        crate::record::insert(&mut *tx, row).await?;
    }
    tx.commit().await?;
    Ok(())
}
