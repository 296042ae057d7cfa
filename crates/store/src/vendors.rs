//! Each account's credentials for speech and LLM vendors, one per vendor. The API key is
//! write-only: never serialised, logged or shown (only whether there is one).

use crate::{Result, Store};
use agentline_domain::vendor::Vendor;
use agentline_domain::{AccountId, SecretString, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// An account's key (and optional endpoint) for one vendor.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VendorCredentials {
    #[serde(skip)]
    pub account_id: AccountId,
    pub provider: Vendor,
    #[serde(skip)]
    pub api_key: SecretString,
    /// Whether a key is stored (it is never returned).
    pub has_api_key: bool,
    /// Where this account's requests to the vendor go instead of the server's URL.
    pub base_url: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::named_by_parse!(Vendor);

crate::column::from_row! {
    VendorCredentials {
        account_id: parsed,
        provider: variant,
        api_key: secret,
        base_url: opt_text,
        created_at: time,
        updated_at: time,
    } derived {
        has_api_key = !api_key.expose().is_empty(),
    }
}

/// The account's credentials for `vendor`, if it has set them.
pub async fn get(store: &Store, account_id: &AccountId, vendor: Vendor) -> Result<Option<VendorCredentials>> {
    Ok(sqlx::query_as("SELECT * FROM vendor_credentials WHERE account_id = $1 AND provider = $2")
        .bind(account_id.as_str())
        .bind(vendor.as_str())
        .fetch_optional(store.pool())
        .await?)
}

/// All the account's vendor credentials, by vendor name.
pub async fn list(store: &Store, account_id: &AccountId) -> Result<Vec<VendorCredentials>> {
    Ok(sqlx::query_as("SELECT * FROM vendor_credentials WHERE account_id = $1 ORDER BY provider")
        .bind(account_id.as_str())
        .fetch_all(store.pool())
        .await?)
}

/// Sets (or replaces) the account's credentials for their provider.
pub async fn put(store: &Store, credentials: &VendorCredentials) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM vendor_credentials WHERE account_id = $1 AND provider = $2")
        .bind(credentials.account_id.as_str())
        .bind(credentials.provider.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO vendor_credentials (account_id, provider, api_key, base_url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(credentials.account_id.as_str())
    .bind(credentials.provider.as_str())
    .bind(credentials.api_key.expose())
    .bind(credentials.base_url.as_deref())
    .bind(credentials.created_at.to_db())
    .bind(credentials.updated_at.to_db())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the account's credentials for `vendor`; false when it had none.
pub async fn delete(store: &Store, account_id: &AccountId, vendor: Vendor) -> Result<bool> {
    let done = sqlx::query("DELETE FROM vendor_credentials WHERE account_id = $1 AND provider = $2")
        .bind(account_id.as_str())
        .bind(vendor.as_str())
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}
