//! Per-business figures, for views that report usage business by business (the KaiCalls
//! dialect's `/balance`).

use crate::{Result, Store};
use agentline_domain::AccountId;

/// Seconds of live calls and phone numbers held by one business of the account.
pub async fn business_usage(store: &Store, account_id: &AccountId, business_id: &str) -> Result<(i64, i64)> {
    // Postgres sums BIGINT into NUMERIC; the cast keeps one integer type on both engines.
    let seconds: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(duration_secs), 0) AS BIGINT) FROM calls \
         WHERE account_id = $1 AND business_id = $2 AND mode = 'live'",
    )
    .bind(account_id.as_str())
    .bind(business_id)
    .fetch_one(store.pool())
    .await?;
    let numbers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM phone_numbers WHERE account_id = $1 AND business_id = $2")
            .bind(account_id.as_str())
            .bind(business_id)
            .fetch_one(store.pool())
            .await?;
    Ok((seconds, numbers))
}
