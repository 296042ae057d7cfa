//! Each account's Twilio credentials. The auth token is write-only: never serialised, logged or shown.

use crate::{Result, Store};
use agentline_domain::{AccountId, SecretString, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// An account's Twilio credentials.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TwilioCredentials {
    #[serde(skip)]
    pub account_id: AccountId,
    /// Twilio's account SID (`AC…`).
    pub account_sid: String,
    #[serde(skip)]
    pub auth_token: SecretString,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::from_row! {
    TwilioCredentials {
        account_id: parsed,
        account_sid as "twilio_account_sid": text,
        auth_token: secret,
        created_at: time,
        updated_at: time,
    }
}

/// The account's credentials, if it has set them.
pub async fn get(store: &Store, account_id: &AccountId) -> Result<Option<TwilioCredentials>> {
    Ok(sqlx::query_as("SELECT * FROM twilio_credentials WHERE account_id = $1")
        .bind(account_id.as_str())
        .fetch_optional(store.pool())
        .await?)
}

/// Every account that uses the Twilio account `account_sid` (an inbound call names only that).
pub async fn by_account_sid(store: &Store, account_sid: &str) -> Result<Vec<TwilioCredentials>> {
    Ok(sqlx::query_as("SELECT * FROM twilio_credentials WHERE twilio_account_sid = $1 ORDER BY account_id")
        .bind(account_sid)
        .fetch_all(store.pool())
        .await?)
}

/// Sets (or replaces) the account's credentials.
pub async fn put(store: &Store, credentials: &TwilioCredentials) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM twilio_credentials WHERE account_id = $1")
        .bind(credentials.account_id.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO twilio_credentials (account_id, twilio_account_sid, auth_token, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(credentials.account_id.as_str())
    .bind(&credentials.account_sid)
    .bind(credentials.auth_token.expose())
    .bind(credentials.created_at.to_db())
    .bind(credentials.updated_at.to_db())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the account's credentials; false when it had none.
pub async fn delete(store: &Store, account_id: &AccountId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM twilio_credentials WHERE account_id = $1")
        .bind(account_id.as_str())
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}
