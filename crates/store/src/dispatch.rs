//! Dispatch: which calls hold or wait for a concurrency slot, claiming due calls for a node,
//! heartbeats of the calls a node runs, and finding the calls a stopped node left behind.
//!
//! Claiming moves a call through the same `apply` as every other status change (in
//! [`crate::calls`]), so a claimed call gets its `call.initiated` event and webhook deliveries
//! in the claiming transaction.

use crate::calls::Call;
use crate::lifecycle::{apply, insert_queued};
use crate::{Result, Store};
use agentline_domain::call::CallEvent;
use agentline_domain::{AccountId, CallId, Timestamp};
use sqlx::AnyConnection;

/// Calls holding a concurrency slot, and calls waiting for one, in the account.
pub async fn slot_counts(conn: &mut AnyConnection, account_id: &AccountId) -> Result<(i64, i64)> {
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM calls WHERE account_id = $1 AND status IN ('initiated', 'ringing', 'answered', 'in_progress')",
    )
    .bind(account_id.as_str())
    .fetch_one(&mut *conn)
    .await?;
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE account_id = $1 AND status = 'queued'")
        .bind(account_id.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok((active, queued))
}

/// [`slot_counts`] outside any transaction.
pub async fn concurrency(store: &Store, account_id: &AccountId) -> Result<(i64, i64)> {
    let mut conn = store.pool().acquire().await?;
    slot_counts(&mut conn, account_id).await
}

/// 1-based place of a queued call among its account's queued calls that are due.
pub async fn queue_position(store: &Store, call: &Call) -> Result<i64> {
    let ahead: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM calls WHERE account_id = $1 AND status = 'queued' AND id < $2 AND start_at <= $3",
    )
    .bind(call.account_id.as_str())
    .bind(call.id.as_str())
    .bind(call.start_at.to_db())
    .fetch_one(store.pool())
    .await?;
    Ok(ahead + 1)
}

/// Moves due queued calls to `initiated` for this node, never past each account's
/// concurrency limit. On Postgres the account row is locked while counting, so several
/// nodes claiming at once cannot overshoot.
pub async fn claim_due(store: &Store, node: &str, now: Timestamp) -> Result<Vec<Call>> {
    let accounts: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT account_id FROM calls WHERE status = 'queued' AND start_at <= $1")
            .bind(now.to_db())
            .fetch_all(store.pool())
            .await?;
    let mut claimed = Vec::new();
    for account in accounts {
        let mut tx = store.begin_write().await?;
        let lock = format!("SELECT concurrency_limit FROM accounts WHERE id = $1{}", store.dialect().for_update());
        let limit: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(lock)).bind(&account).fetch_one(&mut *tx).await?;
        let account_id = AccountId::parse(&account).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
        let (active, _) = slot_counts(&mut tx, &account_id).await?;
        let free = limit - active;
        if free <= 0 {
            continue;
        }
        let due: Vec<Call> = sqlx::query_as(
            "SELECT * FROM calls WHERE account_id = $1 AND status = 'queued' AND start_at <= $2 ORDER BY id LIMIT $3",
        )
        .bind(&account)
        .bind(now.to_db())
        .bind(free)
        .fetch_all(&mut *tx)
        .await?;
        // Stamped inside the transaction, after the count: a slot freed by a call that ended
        // at T is only reused at a time after T.
        let at = Timestamp::now();
        for call in due {
            if let Some(next) = apply(&mut tx, call, CallEvent::Dispatched, None, at, Some(node)).await? {
                claimed.push(next);
            }
        }
        tx.commit().await?;
    }
    Ok(claimed)
}

/// Marks the calls this node runs as alive; answers those that are no longer active in the
/// database (ended elsewhere: through another node's API, or reconciled as orphans).
pub async fn heartbeat(store: &Store, ids: &[CallId], at: Timestamp) -> Result<Vec<CallId>> {
    let mut ended = Vec::new();
    for id in ids {
        let done = sqlx::query(
            "UPDATE calls SET heartbeat_at = $1 WHERE id = $2 AND status IN ('initiated', 'ringing', 'answered', 'in_progress')",
        )
        .bind(at.to_db())
        .bind(id.as_str())
        .execute(store.pool())
        .await?;
        if done.rows_affected() == 0 {
            ended.push(id.clone());
        }
    }
    Ok(ended)
}

/// Active calls left behind by a process that stopped: those owned by `node` (this node,
/// restarted), or by anyone whose heartbeat is older than `stale_before`.
pub async fn orphans(store: &Store, node: &str, stale_before: Timestamp) -> Result<Vec<Call>> {
    Ok(sqlx::query_as(
        "SELECT * FROM calls WHERE status IN ('initiated', 'ringing', 'answered', 'in_progress') \
         AND (owner_node = $1 OR heartbeat_at IS NULL OR heartbeat_at < $2) ORDER BY id",
    )
    .bind(node)
    .bind(stale_before.to_db())
    .fetch_all(store.pool())
    .await?)
}

/// Inserts a call that came in (already ringing here) and claims it for `node` at once: inbound
/// callers don't wait in the outbound queue. Returns the claimed call, or `None` (nothing
/// written) when a live call would take the account past its concurrency limit.
pub async fn insert_inbound(store: &Store, call: &Call, node: &str) -> Result<Option<Call>> {
    let mut tx = store.begin_write().await?;
    if call.mode == agentline_domain::ApiKeyMode::Live {
        let lock = format!("SELECT concurrency_limit FROM accounts WHERE id = $1{}", store.dialect().for_update());
        let limit: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(lock)).bind(call.account_id.as_str()).fetch_one(&mut *tx).await?;
        let (active, _) = slot_counts(&mut tx, &call.account_id).await?;
        if active >= limit {
            return Ok(None);
        }
    }
    insert_queued(&mut tx, call).await?;
    let claimed = apply(&mut tx, call.clone(), CallEvent::Dispatched, None, Timestamp::now(), Some(node))
        .await?
        .ok_or_else(|| crate::Error::Corrupt("a new inbound call could not be claimed".to_owned()))?;
    tx.commit().await?;
    Ok(Some(claimed))
}
