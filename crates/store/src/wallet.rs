//! The wallet: a balance in cents and an append-only ledger that explains it, and what the
//! account's calls in progress are about to cost (to stop them before the money runs out).

use crate::{Error, Result, Store};
use agentline_domain::call::cost_cents;
use agentline_domain::{AccountId, LedgerId, Timestamp};
use serde::Serialize;
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// One movement of money. `balance_after_cents` makes the ledger auditable line by line.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: LedgerId,
    #[serde(skip)]
    pub account_id: AccountId,
    /// `credit`, `call_charge` or `adjustment`.
    pub kind: String,
    /// Positive adds to the balance, negative takes from it.
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub call_id: Option<String>,
    pub description: Option<String>,
    pub created_at: Timestamp,
}

crate::column::record! {
    LedgerEntry in "ledger_entries", business_scoped: false {
        id: parsed,
        account_id: parsed,
        kind: text,
        amount_cents: int,
        balance_after_cents: int,
        call_id: opt_text,
        description: opt_text,
        created_at: time,
    }
}

/// A movement to record.
#[derive(Clone, Debug)]
pub struct Movement {
    pub kind: &'static str,
    pub amount_cents: i64,
    pub call_id: Option<String>,
    pub description: Option<String>,
}

/// Moves money and writes the ledger line, inside the caller's transaction so that the
/// movement commits together with whatever caused it.
pub async fn apply(conn: &mut AnyConnection, account_id: &AccountId, movement: Movement) -> Result<LedgerEntry> {
    let balance: Option<i64> = sqlx::query_scalar(
        "UPDATE accounts SET balance_cents = balance_cents + $1 WHERE id = $2 RETURNING balance_cents",
    )
    .bind(movement.amount_cents)
    .bind(account_id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let entry = LedgerEntry {
        id: LedgerId::generate(),
        account_id: account_id.clone(),
        kind: movement.kind.to_owned(),
        amount_cents: movement.amount_cents,
        balance_after_cents: balance.ok_or(Error::NotFound)?,
        call_id: movement.call_id,
        description: movement.description,
        created_at: Timestamp::now(),
    };
    crate::record::insert(&mut *conn, &entry).await?;
    Ok(entry)
}

/// Applies `movement` in a transaction of its own.
pub async fn apply_now(store: &Store, account_id: &AccountId, movement: Movement) -> Result<LedgerEntry> {
    let mut tx = store.begin_write().await?;
    let entry = apply(&mut tx, account_id, movement).await?;
    tx.commit().await?;
    Ok(entry)
}

/// The account's balance and its per-minute rate, in cents: whether a live account can pay
/// for at least one minute.
pub async fn balance_and_rate(store: &Store, account_id: &AccountId) -> Result<(i64, i64)> {
    Ok(sqlx::query_as("SELECT balance_cents, rate_cents_per_minute FROM accounts WHERE id = $1")
        .bind(account_id.as_str())
        .fetch_one(store.pool())
        .await?)
}

/// The account's balance, and what its answered live calls have cost so far (each rounded
/// up as it will be billed), to stop calls when together they reach the balance.
pub async fn live_exposure(store: &Store, account_id: &AccountId, now: Timestamp) -> Result<(i64, i64)> {
    let (balance, rate) = balance_and_rate(store, account_id).await?;
    let answered: Vec<String> = sqlx::query_scalar(
        "SELECT answered_at FROM calls WHERE account_id = $1 AND mode = 'live' AND status IN ('answered', 'in_progress') AND answered_at IS NOT NULL",
    )
    .bind(account_id.as_str())
    .fetch_all(store.pool())
    .await?;
    let exposure = answered
        .iter()
        .filter_map(|at| Timestamp::parse(at).ok())
        .map(|at| cost_cents((now.datetime() - at.datetime()).num_seconds() + 1, rate))
        .sum();
    Ok((balance, exposure))
}
