//! The account's Do-Not-Call list: numbers no call may be placed to.

use crate::record::Tenant;
use crate::{Result, Store};
use agentline_domain::{AccountId, DncId, PhoneNumber, Timestamp};
use serde::Serialize;
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

crate::column::record! {
    DncEntry in "dnc_entries", business_scoped: false {
        id: parsed,
        account_id: parsed,
        phone_number: phone,
        reason: opt_text,
        created_at: time,
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

/// Every number on the account's Do-Not-Call list (checking a whole upload at once).
pub async fn all_numbers(store: &Store, account: &AccountId) -> Result<std::collections::HashSet<String>> {
    let numbers: Vec<String> = sqlx::query_scalar("SELECT phone_number FROM dnc_entries WHERE account_id = $1")
        .bind(account.as_str())
        .fetch_all(store.pool())
        .await?;
    Ok(numbers.into_iter().collect())
}
