//! The usage log: one row per authenticated API request.

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
