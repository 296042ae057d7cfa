//! Campaigns and their contacts. Every step of the scheduler is a conditional write, so two
//! nodes (or a node and its restarted self) can run the same campaign: a contact is claimed
//! and its call inserted in one transaction, a pace slot is taken by compare-and-set on the
//! campaign row, and an attempt's outcome is recorded only while the contact still waits on
//! that call.

use crate::calls::Call;
use crate::record::{Tenant, insert, insert_many};
use crate::{Result, Store};
use agentline_domain::campaign::{CampaignStatus, ContactState, RetryRules, SkipReason};
use agentline_domain::{
    AccountId, AgentId, ApiKeyMode, BusinessId, CallId, CampaignContactId, CampaignId, ContactId, EventId, KeyId,
    NumberId, Timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use utoipa::ToSchema;

crate::column::named_by_parse!(CampaignStatus, ContactState, SkipReason);

/// A campaign as stored.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Campaign {
    pub id: CampaignId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub name: String,
    pub agent_id: AgentId,
    /// The caller-ID numbers, used in turn (the one with the fewest calls today first).
    pub from_number_ids: Vec<NumberId>,
    /// `test` (sandbox calls) or `live`, from the key that created it.
    pub mode: ApiKeyMode,
    #[serde(skip)]
    pub key_id: Option<KeyId>,
    pub status: CampaignStatus,
    /// The calling window as given (`start`, `end`, `days`).
    #[schema(value_type = Object)]
    pub window: Value,
    pub retry: RetryRules,
    /// Template variables for every call, under each contact's own.
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub max_concurrent: i64,
    pub calls_per_minute: i64,
    pub daily_cap_per_number: Option<i64>,
    /// No call before this time.
    pub start_at: Option<Timestamp>,
    /// No call after this time: contacts not reached by then are skipped.
    pub end_at: Option<Timestamp>,
    /// When the next call may be placed (the pace).
    #[serde(skip)]
    pub next_dial_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Campaign in "campaigns", business_scoped: true {
        id: parsed,
        account_id: parsed,
        business_id: parsed,
        name: text,
        agent_id: parsed,
        from_number_ids: json,
        mode: variant,
        key_id: opt_parsed,
        status: variant,
        window as "calling_window": json,
        retry: json,
        variables: json,
        max_concurrent: int,
        calls_per_minute: int,
        daily_cap_per_number: opt_int,
        start_at: opt_time,
        end_at: opt_time,
        next_dial_at: time,
        started_at: opt_time,
        ended_at: opt_time,
        created_at: time,
        updated_at: time,
    }
}

/// One attempt at a contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = CampaignAttempt)]
pub struct Attempt {
    pub attempt: i64,
    pub call_id: CallId,
    /// `answered`, `busy`, `no_answer`, `voicemail`, `failed` or `interrupted`; `null` while the call runs.
    pub outcome: Option<String>,
    /// The call's `end_reason`.
    pub end_reason: Option<String>,
    pub placed_at: Timestamp,
}

/// One contact of a campaign.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CampaignContact {
    pub id: CampaignContactId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    /// The CSV line it came from.
    pub line: Option<i64>,
    pub contact_id: Option<ContactId>,
    pub phone_number: String,
    pub name: Option<String>,
    /// The zone its window is checked in.
    pub timezone: String,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub state: ContactState,
    pub skip_reason: Option<SkipReason>,
    /// What stopped the call being placed (`not_placeable`: a template variable missing …).
    pub skip_detail: Option<String>,
    /// Attempts that count against the retry rules.
    pub attempt_count: i64,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<Timestamp>,
    /// The call of the attempt in progress or the last one.
    pub call_id: Option<CallId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    CampaignContact in "campaign_contacts", business_scoped: false {
        id: parsed,
        account_id: parsed,
        campaign_id: parsed,
        line: opt_int,
        contact_id: opt_parsed,
        phone_number: text,
        name: opt_text,
        timezone: text,
        variables: json,
        state: variant,
        skip_reason: opt_variant,
        skip_detail: opt_text,
        attempt_count: int,
        attempts: json,
        next_attempt_at: opt_time,
        call_id: opt_parsed,
        created_at: time,
        updated_at: time,
    }
}

/// An event of a campaign (`campaign.started`, `campaign.paused`, `campaign.completed` …).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CampaignEvent {
    pub id: EventId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: Timestamp,
}

crate::column::record! {
    CampaignEvent in "campaign_events", business_scoped: false {
        id: parsed,
        account_id: parsed,
        campaign_id: parsed,
        event_type as "type": text,
        payload: json,
        created_at: time,
    }
}

/// Stores a new campaign and its first contacts in one transaction.
pub async fn create(store: &Store, campaign: &Campaign, contacts: &[CampaignContact]) -> Result<()> {
    let mut tx = store.begin_write().await?;
    insert(&mut *tx, campaign).await?;
    insert_many(store, &mut tx, contacts).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds contacts to a campaign that has not ended; `false` when it has.
pub async fn add_contacts(store: &Store, campaign: &CampaignId, contacts: &[CampaignContact]) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
        .bind(campaign.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if status.as_deref().and_then(CampaignStatus::parse).is_none_or(CampaignStatus::is_final) {
        return Ok(false);
    }
    insert_many(store, &mut tx, contacts).await?;
    tx.commit().await?;
    Ok(true)
}

/// How many contacts are in each state (skipped ones also by reason).
pub async fn counts(store: &Store, campaign: &CampaignId) -> Result<Vec<(String, Option<String>, i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT state, skip_reason, COUNT(*) FROM campaign_contacts WHERE campaign_id = $1 GROUP BY state, skip_reason",
    )
    .bind(campaign.as_str())
    .fetch_all(store.pool())
    .await?;
    Ok(rows)
}

/// A page of a campaign's contacts in upload order, after `after` (a contact id).
pub async fn contacts(
    store: &Store,
    campaign: &CampaignId,
    state: Option<ContactState>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CampaignContact>> {
    let rows = sqlx::query_as(
        "SELECT * FROM campaign_contacts WHERE campaign_id = $1 AND ($2 = '' OR state = $2) AND id > $3 \
         ORDER BY id LIMIT $4",
    )
    .bind(campaign.as_str())
    .bind(state.map_or("", ContactState::as_str))
    .bind(after.unwrap_or(""))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    Ok(rows)
}

/// Moves a campaign from one of `from` to `to`, recording `event` (with its webhooks) in the
/// same transaction; `None` when it was in no state of `from`.
pub async fn transition(
    store: &Store,
    tenant: &Tenant,
    id: &CampaignId,
    from: &[CampaignStatus],
    to: CampaignStatus,
    event: &str,
    now: Timestamp,
) -> Result<Option<Campaign>> {
    let mut tx = store.begin_write().await?;
    let campaign: Option<Campaign> = sqlx::query_as("SELECT * FROM campaigns WHERE id = $1 AND account_id = $2")
        .bind(id.as_str())
        .bind(tenant.account_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(mut campaign) = campaign.filter(|c| from.contains(&c.status)) else { return Ok(None) };
    set_status(&mut tx, &mut campaign, to, now).await?;
    if to == CampaignStatus::Canceled {
        skip_waiting(&mut tx, &campaign.id, SkipReason::Canceled, now).await?;
    }
    record_event(&mut tx, &campaign, event, json!({}), now).await?;
    tx.commit().await?;
    Ok(Some(campaign))
}

async fn set_status(
    conn: &mut AnyConnection,
    campaign: &mut Campaign,
    to: CampaignStatus,
    now: Timestamp,
) -> Result<()> {
    campaign.status = to;
    campaign.updated_at = now;
    if to == CampaignStatus::Running && campaign.started_at.is_none() {
        campaign.started_at = Some(now);
    }
    if to.is_final() {
        campaign.ended_at = Some(now);
    }
    sqlx::query("UPDATE campaigns SET status = $1, started_at = $2, ended_at = $3, updated_at = $4 WHERE id = $5")
        .bind(to.as_str())
        .bind(campaign.started_at.map(Timestamp::to_db))
        .bind(campaign.ended_at.map(Timestamp::to_db))
        .bind(now.to_db())
        .bind(campaign.id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Skips every contact still waiting to be dialled.
async fn skip_waiting(
    conn: &mut AnyConnection,
    campaign: &CampaignId,
    reason: SkipReason,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE campaign_contacts SET state = 'skipped', skip_reason = $1, next_attempt_at = NULL, updated_at = $2 \
         WHERE campaign_id = $3 AND state IN ('pending', 'waiting_for_window', 'retry_scheduled')",
    )
    .bind(reason.as_str())
    .bind(now.to_db())
    .bind(campaign.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores a campaign event and its webhook deliveries (the account's endpoints that want it).
async fn record_event(
    conn: &mut AnyConnection,
    campaign: &Campaign,
    event_type: &str,
    extra: Value,
    now: Timestamp,
) -> Result<()> {
    let mut payload = json!({ "campaign_id": campaign.id, "name": campaign.name, "status": campaign.status });
    if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        payload.extend(extra);
    }
    let event = CampaignEvent {
        id: EventId::generate(),
        account_id: campaign.account_id.clone(),
        campaign_id: campaign.id.clone(),
        event_type: event_type.to_owned(),
        payload,
        created_at: now,
    };
    insert(&mut *conn, &event).await?;
    crate::webhooks::enqueue_account_event(conn, &event.account_id, &event.id, event_type, &event.payload, now).await
}

/// A campaign's events, oldest first.
pub async fn events(store: &Store, campaign: &CampaignId) -> Result<Vec<CampaignEvent>> {
    let rows = sqlx::query_as("SELECT * FROM campaign_events WHERE campaign_id = $1 ORDER BY id")
        .bind(campaign.as_str())
        .fetch_all(store.pool())
        .await?;
    Ok(rows)
}

/// The campaigns the scheduler works on: running ones, and paused or canceled ones whose
/// calls already placed have not all been accounted for.
pub async fn active(store: &Store) -> Result<Vec<Campaign>> {
    let rows = sqlx::query_as(
        "SELECT * FROM campaigns c WHERE c.status = 'running' OR (c.status IN ('paused', 'canceled') AND EXISTS \
         (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = c.id AND cc.state = 'in_progress')) ORDER BY c.id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows)
}

/// A contact whose attempt's call has ended, with how it ended.
pub struct Finished {
    pub contact: CampaignContact,
    pub status: String,
    pub end_reason: Option<String>,
}

/// Contacts in progress whose call has ended.
pub async fn finished_attempts(store: &Store, campaign: &CampaignId, limit: i64) -> Result<Vec<Finished>> {
    let ids: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT cc.id, c.status, c.end_reason FROM campaign_contacts cc JOIN calls c ON c.id = cc.call_id \
         WHERE cc.campaign_id = $1 AND cc.state = 'in_progress' AND c.ended_at IS NOT NULL ORDER BY cc.id LIMIT $2",
    )
    .bind(campaign.as_str())
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    let mut finished = Vec::with_capacity(ids.len());
    for (id, status, end_reason) in ids {
        let contact: CampaignContact =
            sqlx::query_as("SELECT * FROM campaign_contacts WHERE id = $1").bind(&id).fetch_one(store.pool()).await?;
        finished.push(Finished { contact, status, end_reason });
    }
    Ok(finished)
}

/// Writes `after` over a contact if it is still as `before` was (same state, call and attempt
/// count: nobody moved it first); `false` otherwise.
pub async fn update_contact(store: &Store, before: &CampaignContact, after: &CampaignContact) -> Result<bool> {
    let mut conn = store.pool().acquire().await?;
    update_contact_on(&mut conn, before, after).await
}

async fn update_contact_on(
    conn: &mut AnyConnection,
    before: &CampaignContact,
    after: &CampaignContact,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE campaign_contacts SET state = $1, skip_reason = $2, attempt_count = $3, attempts = $4, \
         next_attempt_at = $5, call_id = $6, updated_at = $7, skip_detail = $12 \
         WHERE id = $8 AND state = $9 AND attempt_count = $10 AND COALESCE(call_id, '') = $11",
    )
    .bind(after.state.as_str())
    .bind(after.skip_reason.map(SkipReason::as_str))
    .bind(after.attempt_count)
    .bind(crate::row::to_json(&after.attempts))
    .bind(after.next_attempt_at.map(Timestamp::to_db))
    .bind(after.call_id.as_ref().map(CallId::to_string))
    .bind(after.updated_at.to_db())
    .bind(before.id.as_str())
    .bind(before.state.as_str())
    .bind(before.attempt_count)
    .bind(before.call_id.as_ref().map_or_else(String::new, CallId::to_string))
    .bind(after.skip_detail.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Contacts due to be dialled (`next_attempt_at` passed), in order.
pub async fn due(store: &Store, campaign: &CampaignId, now: Timestamp, limit: i64) -> Result<Vec<CampaignContact>> {
    let rows = sqlx::query_as(
        "SELECT * FROM campaign_contacts WHERE campaign_id = $1 \
         AND state IN ('pending', 'waiting_for_window', 'retry_scheduled') AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3",
    )
    .bind(campaign.as_str())
    .bind(now.to_db())
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    Ok(rows)
}

/// How many of the campaign's calls are placed and not ended.
pub async fn in_progress(store: &Store, campaign: &CampaignId) -> Result<i64> {
    let count =
        sqlx::query_scalar("SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = $1 AND state = 'in_progress'")
            .bind(campaign.as_str())
            .fetch_one(store.pool())
            .await?;
    Ok(count)
}

/// Whether any contact is not yet final.
pub async fn has_open_contacts(store: &Store, campaign: &CampaignId) -> Result<bool> {
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM campaign_contacts WHERE campaign_id = $1 \
         AND state NOT IN ('completed', 'failed', 'skipped') LIMIT 1",
    )
    .bind(campaign.as_str())
    .fetch_optional(store.pool())
    .await?;
    Ok(open.is_some())
}

/// Takes the campaign's next pace slot: moves `next_dial_at` from `seen` to `next` if no one
/// else did first.
pub async fn take_pace_slot(store: &Store, campaign: &CampaignId, seen: Timestamp, next: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET next_dial_at = $1 WHERE id = $2 AND next_dial_at = $3 AND status = 'running'",
    )
    .bind(next.to_db())
    .bind(campaign.as_str())
    .bind(seen.to_db())
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Calls placed from `number` since `since`.
pub async fn calls_from_since(store: &Store, number: &NumberId, since: Timestamp) -> Result<i64> {
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE from_number_id = $1 AND created_at >= $2")
        .bind(number.as_str())
        .bind(since.to_db())
        .fetch_one(store.pool())
        .await?;
    Ok(count)
}

/// The dial: the contact moves to `in_progress` with its new attempt and the call is inserted
/// `queued`, in one transaction; `false` (nothing written) when the contact was no longer due.
pub async fn dial(store: &Store, before: &CampaignContact, after: &CampaignContact, call: &Call) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    if !update_contact_on(&mut tx, before, after).await? {
        return Ok(false);
    }
    crate::lifecycle::insert_queued(&mut tx, call).await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends a running campaign whose contacts are all final: `completed`, with its counts.
pub async fn complete(store: &Store, campaign: &Campaign, counts: Value, now: Timestamp) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query("UPDATE campaigns SET status = 'completed', ended_at = $1, updated_at = $1 WHERE id = $2 AND status = 'running'")
        .bind(now.to_db())
        .bind(campaign.id.as_str())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let mut ended = campaign.clone();
    ended.status = CampaignStatus::Completed;
    record_event(&mut tx, &ended, "campaign.completed", json!({ "counts": counts }), now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Skips contacts still waiting once the campaign's `end_at` has passed.
pub async fn skip_after_end(store: &Store, campaign: &CampaignId, now: Timestamp) -> Result<()> {
    let mut conn = store.pool().acquire().await?;
    skip_waiting(&mut conn, campaign, SkipReason::WindowNeverOpen, now).await
}
