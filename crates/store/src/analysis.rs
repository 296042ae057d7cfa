//! Post-call analysis jobs: the durable queue the engine's analysis worker takes from.
//!
//! A job is one run of one call's analysis, keyed by (call, run): the run written when the call
//! completes is 1 (in the transaction that records the end, so a crash cannot lose it), and each
//! request to analyse again adds the next. A job's result, its `call.analyzed` event, webhook
//! deliveries and usage entry commit together, and only while the job is still pending: a run
//! finishes once, and a run superseded by a newer one never overwrites it.

use crate::calls::{Call, event_for, locked_call};
use crate::outbox::write_event;
use crate::record::insert;
use crate::usage::UsageRecord;
use crate::{Dialect, Error, Result, Store};
use agentline_domain::analysis::{Analysis, AnalysisStatus, QualityDimensions};
use agentline_domain::{AccountId, CallId, Timestamp, UsageId};
use serde_json::{Value, json};
use sqlx::AnyConnection;

/// One run of a call's analysis, as claimed by a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub call_id: CallId,
    pub account_id: AccountId,
    pub run: i64,
    /// Attempts already made (0 on the first).
    pub attempts: i64,
}

/// What a finished run stores on the call.
#[derive(Clone, Debug)]
pub struct Finished {
    pub analysis: Analysis,
    pub summary: Option<String>,
    pub quality_dimensions: Option<QualityDimensions>,
    /// Tokens and cost, when the model's server reported them.
    pub usage: Option<ModelUsage>,
}

/// What the model's server said a run used.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelUsage {
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    /// In cents, when the server reports a cost (OpenRouter's `usage.cost`, in dollars, rounded).
    pub cost_cents: Option<i64>,
}

/// Queues run `run` of `call`'s analysis and marks the call's analysis pending, in the caller's
/// transaction.
pub(crate) async fn enqueue(conn: &mut AnyConnection, call: &Call, run: i64, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO analysis_jobs (call_id, run, account_id, status, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4)",
    )
    .bind(call.id.as_str())
    .bind(run)
    .bind(call.account_id.as_str())
    .bind(at.to_db())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE calls SET analysis = $1 WHERE id = $2")
        .bind(crate::row::to_json(&Analysis::pending(run)))
        .bind(call.id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Asks for another run of an ended call's analysis (the account's own call: check before).
/// Earlier runs still pending are superseded. Returns the new run's number; none while the
/// call has not ended.
pub async fn request(store: &Store, call_id: &CallId, at: Timestamp) -> Result<Option<i64>> {
    let mut tx = store.begin_write().await?;
    let call = locked_call(store, &mut tx, call_id).await?;
    if !call.status.is_terminal() {
        return Ok(None);
    }
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(run) FROM analysis_jobs WHERE call_id = $1")
        .bind(call_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE analysis_jobs SET status = 'superseded', updated_at = $1 WHERE call_id = $2 AND status = 'pending'",
    )
    .bind(at.to_db())
    .bind(call_id.as_str())
    .execute(&mut *tx)
    .await?;
    let run = last.unwrap_or(0) + 1;
    enqueue(&mut tx, &call, run, at).await?;
    tx.commit().await?;
    Ok(Some(run))
}

/// Takes up to `limit` due jobs, leasing them for `lease_secs` so other workers skip them.
pub async fn claim_due(store: &Store, now: Timestamp, lease_secs: i64, limit: i64) -> Result<Vec<Job>> {
    let mut tx = store.begin_write().await?;
    let lock = match store.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT call_id, account_id, run, attempts FROM analysis_jobs WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, call_id LIMIT $2{lock}"
    );
    let rows: Vec<(String, String, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now.to_db()).bind(limit).fetch_all(&mut *tx).await?;
    let lease = now.plus_seconds(lease_secs).to_db();
    let mut jobs = Vec::with_capacity(rows.len());
    for (call_id, account_id, run, attempts) in rows {
        sqlx::query("UPDATE analysis_jobs SET next_attempt_at = $1 WHERE call_id = $2 AND run = $3")
            .bind(&lease)
            .bind(&call_id)
            .bind(run)
            .execute(&mut *tx)
            .await?;
        let corrupt = |e: agentline_domain::IdError| Error::Corrupt(e.to_string());
        jobs.push(Job {
            call_id: CallId::parse(&call_id).map_err(corrupt)?,
            account_id: AccountId::parse(&account_id).map_err(corrupt)?,
            run,
            attempts,
        });
    }
    tx.commit().await?;
    Ok(jobs)
}

/// Puts a job back to be tried at `retry_at` after a failed attempt.
pub async fn retry_later(store: &Store, job: &Job, error: &str, retry_at: Timestamp, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE analysis_jobs SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, updated_at = $3 \
         WHERE call_id = $4 AND run = $5 AND status = 'pending'",
    )
    .bind(retry_at.to_db())
    .bind(error)
    .bind(now.to_db())
    .bind(job.call_id.as_str())
    .bind(job.run)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Stores a run's result on the call with its `call.analyzed` event, webhook deliveries and usage
/// entry, in one transaction. `false` when the run was already finished or superseded (nothing
/// is written then).
pub async fn finish(store: &Store, job: &Job, finished: &Finished, at: Timestamp) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let mut call = locked_call(store, &mut tx, &job.call_id).await?;
    let done = sqlx::query(
        "UPDATE analysis_jobs SET status = 'done', attempts = attempts + 1, last_error = $1, updated_at = $2 \
         WHERE call_id = $3 AND run = $4 AND status = 'pending'",
    )
    .bind(finished.analysis.error.clone())
    .bind(at.to_db())
    .bind(job.call_id.as_str())
    .bind(job.run)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    // Only a completed run replaces the summary and scores: a failed or skipped one changes nothing else.
    if finished.analysis.status == AnalysisStatus::Completed {
        call.summary = finished.summary.clone();
        call.quality_dimensions = finished.quality_dimensions;
    }
    call.analysis = Some(finished.analysis.clone());
    sqlx::query("UPDATE calls SET summary = $1, quality_dimensions = $2, analysis = $3 WHERE id = $4")
        .bind(call.summary.clone())
        .bind(call.quality_dimensions.as_ref().map(crate::row::to_json))
        .bind(crate::row::to_json(&finished.analysis))
        .bind(call.id.as_str())
        .execute(&mut *tx)
        .await?;
    let mut event = event_for(&call, at);
    event.event_type = "call.analyzed".to_owned();
    if let Value::Object(payload) = &mut event.payload {
        payload.extend([
            ("summary".to_owned(), json!(call.summary)),
            ("quality_dimensions".to_owned(), json!(call.quality_dimensions)),
            ("analysis".to_owned(), json!(call.analysis)),
        ]);
    }
    write_event(&mut tx, &event, &call).await?;
    if let Some(usage) = finished.usage {
        insert(&mut *tx, &usage_entry(&call, job.run, usage, at)).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The usage log's entry for one run's model use.
fn usage_entry(call: &Call, run: i64, usage: ModelUsage, at: Timestamp) -> UsageRecord {
    UsageRecord {
        id: UsageId::generate(),
        account_id: call.account_id.clone(),
        key_id: None,
        method: "ANALYSIS".to_owned(),
        endpoint: format!("/v1/calls/{}/analyze#run={run}", call.id),
        status_code: 200,
        call_id: Some(call.id.to_string()),
        cost_cents: usage.cost_cents.unwrap_or(0),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        created_at: at,
    }
}

/// A job's state, for tests and operators: status, attempts and last error.
pub async fn job_state(store: &Store, call_id: &CallId, run: i64) -> Result<Option<(String, i64, Option<String>)>> {
    Ok(sqlx::query_as("SELECT status, attempts, last_error FROM analysis_jobs WHERE call_id = $1 AND run = $2")
        .bind(call_id.as_str())
        .bind(run)
        .fetch_optional(store.pool())
        .await?)
}
