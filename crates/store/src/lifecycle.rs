//! A call's status changes: every one goes through [`advance`], which takes a [`CallEvent`], asks the
//! domain state machine for the transition, and commits the new status, the event row, its webhook
//! deliveries, (when the call ends) the wallet charge and (when it completed) its analysis job in
//! one transaction. Events that change no status ([`record_activity`]) go through the same outbox.

use crate::calls::{Call, event_for, locked_call};
use crate::outbox::write_event;
use crate::record::insert;
use crate::usage::UsageRecord;
use crate::wallet::{self, Movement};
use crate::{Result, Store};
use agentline_domain::analysis::Analysis;
use agentline_domain::call::{CallEvent, CallStatus, EndReason, Transition, cost_cents};
use agentline_domain::{ApiKeyMode, CallId, Timestamp, UsageId};
use serde_json::Value;
use sqlx::AnyConnection;

/// Inserts a new queued call and its `call.queued` event in the caller's transaction.
pub async fn insert_queued(conn: &mut AnyConnection, call: &Call) -> Result<()> {
    insert(&mut *conn, call).await?;
    record_event(conn, call, call.created_at).await
}

/// Writes the event for `call`'s current status and its webhook deliveries.
async fn record_event(conn: &mut AnyConnection, call: &Call, at: Timestamp) -> Result<()> {
    write_event(conn, &event_for(call, at), call).await
}

/// Applies `event` to the call: status, timestamps, event row and, at the end, the charge,
/// all in one transaction. `None` when the event no longer applies (the call moved on).
pub async fn advance(
    store: &Store,
    call_id: &CallId,
    event: CallEvent,
    detail: Option<String>,
    at: Timestamp,
) -> Result<Option<Call>> {
    let mut tx = store.begin_write().await?;
    let call = locked_call(store, &mut tx, call_id).await?;
    let next = apply(&mut tx, call, event, detail, at, None).await?;
    tx.commit().await?;
    Ok(next)
}

/// Applies `event` to `call` in the caller's transaction: [`advance`] without its own
/// transaction, for claiming (which also makes `node` the call's owner).
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    mut call: Call,
    event: CallEvent,
    detail: Option<String>,
    at: Timestamp,
    node: Option<&str>,
) -> Result<Option<Call>> {
    let Ok(transition) = call.status.apply(event) else {
        return Ok(None);
    };
    stamp(&mut call, transition, detail, at, node);
    if transition.to().is_terminal() {
        charge(conn, &mut call).await?;
    }
    let result = sqlx::query(
        "UPDATE calls SET status = $1, end_reason = $2, end_detail = $3, owner_node = $4, heartbeat_at = $5, initiated_at = $6, \
         ringing_at = $7, answered_at = $8, ended_at = $9, duration_secs = $10, cost_cents = $11, updated_at = $12 \
         WHERE id = $13 AND status = $14",
    )
    .bind(call.status.as_str())
    .bind(call.end_reason.map(EndReason::as_str))
    .bind(call.end_detail.clone())
    .bind(call.owner_node.clone())
    .bind(call.heartbeat_at.map(Timestamp::to_db))
    .bind(call.initiated_at.map(Timestamp::to_db))
    .bind(call.ringing_at.map(Timestamp::to_db))
    .bind(call.answered_at.map(Timestamp::to_db))
    .bind(call.ended_at.map(Timestamp::to_db))
    .bind(call.duration_secs)
    .bind(call.cost_cents)
    .bind(at.to_db())
    .bind(call.id.as_str())
    .bind(transition.from().as_str())
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    record_event(conn, &call, at).await?;
    // A completed call is analysed; the job commits with the end, so a crash cannot lose it.
    if call.status == CallStatus::Completed {
        crate::analysis::enqueue(conn, &call, 1, at).await?;
        call.analysis = Some(Analysis::pending(1));
    }
    Ok(Some(call))
}

fn stamp(call: &mut Call, transition: Transition, detail: Option<String>, at: Timestamp, node: Option<&str>) {
    call.status = transition.to();
    call.updated_at = at;
    match transition.to() {
        CallStatus::Initiated => {
            call.initiated_at = Some(at);
            call.owner_node = node.map(str::to_owned);
            call.heartbeat_at = Some(at);
        }
        CallStatus::Ringing => call.ringing_at = Some(at),
        CallStatus::Answered => call.answered_at = Some(at),
        _ => {}
    }
    if transition.to().is_terminal() {
        call.end_reason = transition.end_reason();
        call.end_detail = detail;
        call.ended_at = Some(at);
        let talked_micros = call
            .answered_at
            .map_or(0, |answered| (at.datetime() - answered.datetime()).num_microseconds().unwrap_or(0));
        call.duration_secs = Some((talked_micros.max(0) + 999_999) / 1_000_000);
    }
}

/// Debits an ended, answered live call once: the terminal transition happens once, and this
/// runs inside it.
async fn charge(conn: &mut AnyConnection, call: &mut Call) -> Result<()> {
    let (balance, rate): (i64, i64) =
        sqlx::query_as("SELECT balance_cents, rate_cents_per_minute FROM accounts WHERE id = $1")
            .bind(call.account_id.as_str())
            .fetch_one(&mut *conn)
            .await?;
    let billable = call.mode == ApiKeyMode::Live;
    // A transfer agentline bridged is a second leg on the same line: its minutes are billed too.
    let ended = call.ended_at.unwrap_or_else(Timestamp::now);
    let bridged = agentline_domain::transfer::bridged_secs(call.transfer.as_ref(), ended);
    let billed_secs = call.duration_secs.unwrap_or(0) + bridged;
    let full = if billable { cost_cents(billed_secs, rate) } else { 0 };
    // The wallet never goes below zero: a call that outran it pays what is left.
    let cost = full.min(balance.max(0));
    call.cost_cents = Some(cost);
    if cost == 0 {
        return Ok(());
    }
    let mut description = format!("{} s call to {}", call.duration_secs.unwrap_or(0), call.to_number);
    if bridged > 0 {
        description.push_str(&format!(" + {bridged} s bridged to its transfer target"));
    }
    if cost < full {
        description.push_str(&format!(" ({} cents unpaid: the wallet ran out)", full - cost));
    }
    let movement = Movement {
        kind: "call_charge",
        amount_cents: -cost,
        call_id: Some(call.id.to_string()),
        description: Some(description),
    };
    wallet::apply(conn, &call.account_id, movement).await?;
    let usage = UsageRecord {
        id: UsageId::generate(),
        account_id: call.account_id.clone(),
        key_id: None,
        method: "CALL".to_owned(),
        endpoint: format!("/v1/calls/{}", call.id),
        status_code: 200,
        call_id: Some(call.id.to_string()),
        cost_cents: cost,
        prompt_tokens: None,
        completion_tokens: None,
        created_at: call.ended_at.unwrap_or_else(Timestamp::now),
    };
    insert(&mut *conn, &usage).await
}

/// Records an event that does not change the call's status (a DTMF key press), with its
/// webhook deliveries, in one transaction. Ignored once the call has ended.
pub async fn record_activity(
    store: &Store,
    call_id: &CallId,
    event_type: &str,
    payload: Value,
    at: Timestamp,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let call = locked_call(store, &mut tx, call_id).await?;
    if call.status.is_terminal() {
        return Ok(());
    }
    let mut event = event_for(&call, at);
    event.event_type = event_type.to_owned();
    if let (Value::Object(base), Value::Object(extra)) = (&mut event.payload, payload) {
        base.extend(extra);
    }
    write_event(&mut tx, &event, &call).await?;
    tx.commit().await?;
    Ok(())
}
