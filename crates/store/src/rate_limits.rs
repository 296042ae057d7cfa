//! Request budgets shared by the nodes of one Postgres: the GCRA rule, kept in one row per key,
//! checked and spent in one statement so that nodes asking at once cannot overspend.
//!
//! A key's row holds its theoretical arrival time (TAT). A request at `now` is allowed when the
//! TAT it would push to, `max(TAT, now) + interval`, is at most `now + window`; a budget of N
//! per minute has an interval of 60 s / N and a window of 60 s (a full budget may be spent at once).

use crate::{Dialect, Result, Store};

/// What a budget allows: one request per `interval_ms`, up to `window_ms` of them at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub interval_ms: i64,
    pub window_ms: i64,
}

impl Budget {
    /// `n` requests a minute, all of them at once if need be.
    pub fn per_minute(n: u32) -> Self {
        let n = i64::from(n.max(1));
        Self { interval_ms: (60_000 / n).max(1), window_ms: 60_000 }
    }
}

/// Spends one request of `key`'s budget at `now_ms`: `Ok(Ok(()))` when allowed, `Ok(Err(ms))`
/// with the milliseconds to wait when spent. Postgres only.
pub async fn spend(store: &Store, key: &str, budget: Budget, now_ms: i64) -> Result<std::result::Result<(), i64>> {
    debug_assert_eq!(store.dialect(), Dialect::Postgres);
    let spent: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, tat_ms) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE SET tat_ms = GREATEST(rate_limits.tat_ms, $2) + $3 \
         WHERE GREATEST(rate_limits.tat_ms, $2) + $3 <= $2 + $4 \
         RETURNING tat_ms",
    )
    .bind(key)
    .bind(now_ms)
    .bind(budget.interval_ms)
    .bind(budget.window_ms)
    .fetch_optional(store.unsynced_pool())
    .await?;
    if spent.is_some() {
        return Ok(Ok(()));
    }
    let tat: Option<i64> = sqlx::query_scalar("SELECT tat_ms FROM rate_limits WHERE key = $1")
        .bind(key)
        .fetch_optional(store.unsynced_pool())
        .await?;
    let wait = tat.map_or(0, |tat| tat + budget.interval_ms - now_ms - budget.window_ms);
    Ok(Err(wait.max(1)))
}

/// Drops the rows of keys whose budgets are whole again (nothing to remember).
pub async fn forget_idle(store: &Store, now_ms: i64) -> Result<u64> {
    if store.dialect() != Dialect::Postgres {
        return Ok(0);
    }
    let done =
        sqlx::query("DELETE FROM rate_limits WHERE tat_ms < $1").bind(now_ms).execute(store.unsynced_pool()).await?;
    Ok(done.rows_affected())
}
