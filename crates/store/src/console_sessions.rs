//! Console sessions: a signed-in browser, acting as the API key or admin token it signed in with.

use crate::{Result, Store};
use agentline_domain::{AccountId, KeyId, Timestamp};

/// One signed-in browser. The session token itself is never stored, only its hash.
#[derive(Clone, Debug)]
pub struct ConsoleSession {
    pub token_hash: String,
    pub account_id: AccountId,
    /// The key the session acts as; `None` for the account's admin token.
    pub key_id: Option<KeyId>,
    /// Sent back by the console's scripts on every write (`x-csrf-token`).
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
}

crate::column::from_row! {
    ConsoleSession {
        token_hash: text,
        account_id: parsed,
        key_id: opt_parsed,
        csrf_token: text,
        expires_at: time,
        created_at: time,
    }
}

/// Stores a new session, and drops the sessions that have expired on the way.
pub async fn open(store: &Store, session: &ConsoleSession) -> Result<()> {
    sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
        .bind(session.created_at.to_db())
        .execute(store.pool())
        .await?;
    sqlx::query(
        "INSERT INTO console_sessions (token_hash, account_id, key_id, csrf_token, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(session.account_id.as_str())
    .bind(session.key_id.as_ref().map(KeyId::as_str))
    .bind(&session.csrf_token)
    .bind(session.expires_at.to_db())
    .bind(session.created_at.to_db())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The live session whose token hashes to `token_hash`; `None` once it has expired.
pub async fn find(store: &Store, token_hash: &str, now: Timestamp) -> Result<Option<ConsoleSession>> {
    Ok(sqlx::query_as("SELECT * FROM console_sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now.to_db())
        .fetch_optional(store.pool())
        .await?)
}

/// Ends the session (sign-out). Ending one that is gone already is not an error.
pub async fn close(store: &Store, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1").bind(token_hash).execute(store.pool()).await?;
    Ok(())
}
