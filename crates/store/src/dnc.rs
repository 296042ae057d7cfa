//! The account's Do-Not-Call list: numbers no call may be placed to.

use crate::record::{Record, Tenant};
use crate::row::RowExt;
use crate::sql::Param;
use crate::{Result, Store};
use agentline_domain::{AccountId, DncId, PhoneNumber, Timestamp};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

/// One number on the Do-Not-Call list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DncEntry {
    pub id: DncId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub phone_number: PhoneNumber,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

impl FromRow<'_, AnyRow> for DncEntry {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            phone_number: row.parse("phone_number")?,
            reason: row.opt_text("reason")?,
            created_at: row.parse("created_at")?,
        })
    }
}

impl Record for DncEntry {
    const TABLE: &'static str = "dnc_entries";
    const BUSINESS_SCOPED: bool = false;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("phone_number", self.phone_number.as_str().into()),
            ("reason", self.reason.clone().into()),
            ("created_at", self.created_at.into()),
        ]
    }
}

/// Whether `number` is on the tenant's Do-Not-Call list.
pub async fn is_listed(store: &Store, tenant: &Tenant, number: &PhoneNumber) -> Result<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM dnc_entries WHERE account_id = $1 AND phone_number = $2")
            .bind(tenant.account_id.as_str())
            .bind(number.as_str())
            .fetch_optional(store.pool())
            .await?;
    Ok(found.is_some())
}
