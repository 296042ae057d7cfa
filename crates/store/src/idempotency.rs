//! Idempotency records: the stored answer to a `POST /v1/calls` made with an
//! `Idempotency-Key`, so a retried request gets the first answer instead of a second call.

use crate::{Result, Store};
use agentline_domain::{AccountId, CallId, Timestamp};
use sqlx::AnyConnection;

/// A stored answer to a POST /v1/calls made with an `Idempotency-Key`.
#[derive(Clone, Debug)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// The stored answer for `key`, if one exists.
pub async fn find_idempotent(store: &Store, account_id: &AccountId, key: &str) -> Result<Option<IdempotentResponse>> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
    )
    .bind(account_id.as_str())
    .bind(key)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|(request_hash, status, body)| IdempotentResponse {
        request_hash,
        status: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

/// Records the answer for `key`, in the transaction that created the call.
pub async fn save_idempotent(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    key: &str,
    call_id: &CallId,
    response: &IdempotentResponse,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, call_id, response_status, response_body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(account_id.as_str())
    .bind(key)
    .bind(&response.request_hash)
    .bind(call_id.as_str())
    .bind(i64::from(response.status))
    .bind(&response.body)
    .bind(Timestamp::now().to_db())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
