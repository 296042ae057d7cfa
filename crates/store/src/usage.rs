//! The usage log: one row per authenticated API request.

use crate::record::Record;
use crate::row::RowExt;
use crate::sql::Param;
use agentline_domain::{AccountId, KeyId, Timestamp, UsageId};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
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

impl FromRow<'_, AnyRow> for UsageRecord {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            key_id: row.parse_opt("key_id")?,
            method: row.text("method")?,
            endpoint: row.text("endpoint")?,
            status_code: row.int("status_code")?,
            call_id: row.opt_text("call_id")?,
            cost_cents: row.int("cost_cents")?,
            created_at: row.parse("created_at")?,
        })
    }
}

impl Record for UsageRecord {
    const TABLE: &'static str = "usage_log";
    const BUSINESS_SCOPED: bool = false;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("key_id", self.key_id.as_ref().map(|k| k.to_string()).into()),
            ("method", self.method.clone().into()),
            ("endpoint", self.endpoint.clone().into()),
            ("status_code", self.status_code.into()),
            ("call_id", self.call_id.clone().into()),
            ("cost_cents", self.cost_cents.into()),
            ("created_at", self.created_at.into()),
        ]
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
