//! Calls: the row, how a new one starts ([`Call::queued`]), the event row of its current state,
//! and the columns set after the fact (media, latency, recording, …).
//!
//! Status changes, with their events, webhook deliveries and billing, are in
//! [`crate::lifecycle`]; claiming and heartbeats in [`crate::dispatch`], the event log's reads in
//! [`crate::events`], idempotency records in [`crate::idempotency`].

use crate::events::{CallEventRecord, event_type};

use crate::{Result, Store};
use agentline_domain::analysis::{Analysis, AnalysisSettings, QualityDimensions};
use agentline_domain::call::{CallStatus, EndReason};
use agentline_domain::sandbox::SandboxScript;
use agentline_domain::transfer::TransferRecord;
use agentline_domain::voicemail::Voicemail;
use agentline_domain::{
    AccountId, AgentId, ApiKeyMode, BusinessId, CallId, CampaignId, CarrierKind, ContactId, Direction, EventId,
    NumberId, PhoneNumber, Timestamp,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// A call as stored.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Call {
    pub id: CallId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub assistant_id: Option<String>,
    /// `outbound` or `inbound`.
    pub direction: Direction,
    /// `test` calls (made with a test key) always use the sandbox and are never charged.
    pub mode: ApiKeyMode,
    pub carrier: CarrierKind,
    /// The carrier's own id for the call (Twilio's `CallSid`), once it has one.
    pub carrier_call_id: Option<String>,
    #[serde(rename = "from")]
    pub from_number: PhoneNumber,
    pub from_number_id: NumberId,
    #[serde(rename = "to")]
    pub to_number: PhoneNumber,
    pub contact_id: Option<ContactId>,
    /// The callee's name.
    pub name: Option<String>,
    pub context: Option<String>,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// The agent's instructions rendered with this call's variables.
    pub instructions: String,
    pub first_message: Option<String>,
    pub voice: Option<String>,
    /// What the sandbox callee of a test call says (`callee_lines`), when the call gave it.
    pub sandbox: Option<SandboxScript>,
    /// The agent's voicemail action, its message rendered for this call.
    #[serde(skip)]
    pub voicemail: Option<Voicemail>,
    /// Who answered an outbound call with audio: `human`, `machine` or `unknown` (none until decided).
    pub answered_by: Option<String>,
    /// The call's latest transfer to a person, if it had one.
    pub transfer: Option<TransferRecord>,
    /// The campaign that placed the call, if one did.
    pub campaign_id: Option<CampaignId>,
    /// This call's own webhook URL.
    pub webhook_url: Option<String>,
    /// The agent's webhook URL when the call was placed.
    pub agent_webhook_url: Option<String>,
    /// The payload format of `webhook_url`'s deliveries: `standard`, `klen` or `kaicalls`
    /// (calls placed through a seed dialect get the seed's).
    pub webhook_format: String,
    pub max_duration_secs: i64,
    pub ring_timeout_secs: i64,
    pub start_at: Timestamp,
    pub status: CallStatus,
    pub end_reason: Option<EndReason>,
    /// More about the end, such as the SIP status line.
    pub end_detail: Option<String>,
    #[serde(skip)]
    pub owner_node: Option<String>,
    #[serde(skip)]
    pub heartbeat_at: Option<Timestamp>,
    pub initiated_at: Option<Timestamp>,
    pub ringing_at: Option<Timestamp>,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    /// Seconds from answer to end, rounded up; 0 for unanswered calls.
    #[serde(rename = "duration")]
    pub duration_secs: Option<i64>,
    pub cost_cents: Option<i64>,
    /// Media quality figures of a call that carried audio (packets, losses, send punctuality).
    #[schema(value_type = Option<Object>)]
    pub media: Option<Value>,
    /// Latency figures of the conversation (per-call aggregates, in milliseconds), as the
    /// conversation engine reported them.
    #[schema(value_type = Option<Object>)]
    pub latency: Option<Value>,
    /// Where the call's recording is and what it holds: `{"path", "duration_ms", "channels",
    /// "sample_rate"}`. Never shown: the API offers `recording_url` instead.
    #[serde(skip)]
    pub recording: Option<Value>,
    /// What the call's analysis says happened, in a few sentences; null until (and unless) a
    /// model wrote it.
    pub summary: Option<String>,
    /// How well the agent handled the call, each 0–100, when the analysis asked for them.
    pub quality_dimensions: Option<QualityDimensions>,
    /// The post-call analysis: where it stands and what it found (null for calls that did not complete).
    pub analysis: Option<Analysis>,
    /// This call's own analysis settings, laid over its agent's.
    pub analysis_settings: Option<AnalysisSettings>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Call in "calls", business_scoped: true {
        id: parsed,
        account_id: parsed,
        business_id: parsed,
        agent_id: parsed,
        agent_name: text,
        assistant_id: opt_text,
        direction: variant,
        mode: variant,
        carrier: variant,
        carrier_call_id: opt_text,
        from_number: phone,
        from_number_id: parsed,
        to_number: phone,
        contact_id: opt_parsed,
        name: opt_text,
        context: opt_text,
        variables: json,
        metadata: json,
        instructions: text,
        first_message: opt_text,
        voice: opt_text,
        sandbox: opt_json,
        voicemail: opt_json,
        answered_by: opt_text,
        transfer: opt_json,
        campaign_id: opt_parsed,
        webhook_url: opt_text,
        agent_webhook_url: opt_text,
        webhook_format: text,
        max_duration_secs: int,
        ring_timeout_secs: int,
        start_at: time,
        status: variant,
        end_reason: opt_variant,
        end_detail: opt_text,
        owner_node: opt_text,
        heartbeat_at: opt_time,
        initiated_at: opt_time,
        ringing_at: opt_time,
        answered_at: opt_time,
        ended_at: opt_time,
        duration_secs: opt_int,
        cost_cents: opt_int,
        media: opt_json,
        latency: opt_json,
        recording: opt_json,
        summary: opt_text,
        quality_dimensions: opt_json,
        analysis: opt_json,
        analysis_settings: opt_json,
        created_at: time,
        updated_at: time,
    }
}

/// What the caller of [`Call::queued`] chooses about a new call; everything else (status,
/// lifecycle timestamps, results) starts empty.
#[derive(Clone, Debug)]
pub struct NewCall {
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub assistant_id: Option<String>,
    pub direction: Direction,
    pub mode: ApiKeyMode,
    pub carrier: CarrierKind,
    /// The carrier's id for a call that arrived with one (an inbound Twilio `CallSid`).
    pub carrier_call_id: Option<String>,
    pub from_number: PhoneNumber,
    pub from_number_id: NumberId,
    pub to_number: PhoneNumber,
    pub contact_id: Option<ContactId>,
    pub name: Option<String>,
    pub context: Option<String>,
    pub variables: Map<String, Value>,
    pub metadata: Map<String, Value>,
    /// The agent's instructions, already rendered with `variables`.
    pub instructions: String,
    pub first_message: Option<String>,
    pub voice: Option<String>,
    pub sandbox: Option<SandboxScript>,
    pub voicemail: Option<Voicemail>,
    /// The call's own analysis settings (`analysis` on POST /v1/calls).
    pub analysis_settings: Option<AnalysisSettings>,
    pub webhook_url: Option<String>,
    pub agent_webhook_url: Option<String>,
    pub max_duration_secs: i64,
    pub ring_timeout_secs: i64,
    /// When the call may be dialled; now for a call that should go at once.
    pub start_at: Timestamp,
}

impl Call {
    /// A new call, `queued`, with a fresh id, created now. Nothing is stored yet: pass it to
    /// [`insert_queued`] (or to [`crate::dispatch::insert_inbound`] for a call that came in).
    pub fn queued(new: NewCall) -> Call {
        Self::queued_at(new, Timestamp::now())
    }

    /// [`Call::queued`] created at `now`, for callers that have already read the clock.
    pub fn queued_at(new: NewCall, now: Timestamp) -> Call {
        Call {
            id: CallId::generate(),
            account_id: new.account_id,
            business_id: new.business_id,
            agent_id: new.agent_id,
            agent_name: new.agent_name,
            assistant_id: new.assistant_id,
            direction: new.direction,
            mode: new.mode,
            carrier: new.carrier,
            carrier_call_id: new.carrier_call_id,
            from_number: new.from_number,
            from_number_id: new.from_number_id,
            to_number: new.to_number,
            contact_id: new.contact_id,
            name: new.name,
            context: new.context,
            variables: new.variables,
            metadata: new.metadata,
            instructions: new.instructions,
            first_message: new.first_message,
            voice: new.voice,
            sandbox: new.sandbox,
            voicemail: new.voicemail,
            answered_by: None,
            transfer: None,
            campaign_id: None,
            webhook_url: new.webhook_url,
            agent_webhook_url: new.agent_webhook_url,
            webhook_format: agentline_domain::webhook_format::STANDARD.to_owned(),
            max_duration_secs: new.max_duration_secs,
            ring_timeout_secs: new.ring_timeout_secs,
            start_at: new.start_at,
            status: CallStatus::Queued,
            end_reason: None,
            end_detail: None,
            owner_node: None,
            heartbeat_at: None,
            initiated_at: None,
            ringing_at: None,
            answered_at: None,
            ended_at: None,
            duration_secs: None,
            cost_cents: None,
            media: None,
            latency: None,
            recording: None,
            summary: None,
            quality_dimensions: None,
            analysis: None,
            analysis_settings: new.analysis_settings,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The event row for `call` as it is now.
pub fn event_for(call: &Call, at: Timestamp) -> CallEventRecord {
    let payload = json!({
        "call_id": call.id,
        "status": call.status,
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to_number,
        "agent_id": call.agent_id,
        "end_reason": call.end_reason,
        "end_detail": call.end_detail,
        "error": call.status.is_terminal().then_some(()).and(call.end_reason).filter(|_| call.status != CallStatus::Completed),
        "duration": call.duration_secs,
        "cost_cents": call.cost_cents,
        "metadata": call.metadata,
        "timestamp": at,
    });
    CallEventRecord {
        id: EventId::generate(),
        account_id: call.account_id.clone(),
        call_id: call.id.clone(),
        event_type: event_type(call.status).to_owned(),
        status: call.status,
        payload,
        created_at: at,
    }
}

/// The call, locked against concurrent changes for the rest of the write transaction.
pub(crate) async fn locked_call(store: &Store, conn: &mut AnyConnection, call_id: &CallId) -> Result<Call> {
    let select = format!("SELECT * FROM calls WHERE id = $1{}", store.dialect().for_update());
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(select)).bind(call_id.as_str()).fetch_one(conn).await?)
}

/// Stores a call's media quality figures once its media has stopped.
pub async fn set_media(store: &Store, call_id: &CallId, media: &Value) -> Result<()> {
    set_column(store, call_id, "media", media.to_string()).await
}

/// Stores a call's latency figures (a JSON object of per-call aggregates, in milliseconds).
pub async fn set_latency(store: &Store, call_id: &CallId, latency: &Value) -> Result<()> {
    set_column(store, call_id, "latency", latency.to_string()).await
}

/// Stores where a call's recording is: `{"path": "…", "duration_ms": n, "channels": 2,
/// "sample_rate": 8000}`. `path` must lie under the server's data directory, or the API will
/// not serve it.
pub async fn set_recording(store: &Store, call_id: &CallId, recording: &Value) -> Result<()> {
    set_column(store, call_id, "recording", recording.to_string()).await
}

/// Stores the summary of a call's conversation.
pub async fn set_summary(store: &Store, call_id: &CallId, summary: &str) -> Result<()> {
    set_column(store, call_id, "summary", summary.to_owned()).await
}

/// Sets one nullable text column of a call, whatever its state.
async fn set_column(store: &Store, call_id: &CallId, column: &'static str, value: String) -> Result<()> {
    let update = format!("UPDATE calls SET {column} = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(update)).bind(value).bind(call_id.as_str()).execute(store.pool()).await?;
    Ok(())
}

/// Stores who answered the call (`human`, `machine`, `unknown`).
pub async fn set_answered_by(store: &Store, call_id: &CallId, answered_by: &str) -> Result<()> {
    set_column(store, call_id, "answered_by", answered_by.to_owned()).await
}

/// Stores the call's latest transfer.
pub async fn set_transfer(store: &Store, call_id: &CallId, transfer: &TransferRecord) -> Result<()> {
    let json = serde_json::to_string(transfer).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
    set_column(store, call_id, "transfer", json).await
}

/// Stores the carrier's own id for the call (Twilio's `CallSid`).
pub async fn set_carrier_call_id(store: &Store, call_id: &CallId, carrier_call_id: &str) -> Result<()> {
    set_column(store, call_id, "carrier_call_id", carrier_call_id.to_owned()).await
}

/// A call by id, whatever its account: for requests that prove who they are by other means
/// (a carrier's signed callback). Never answer an API request with it.
pub async fn find_unscoped(store: &Store, id: &str) -> Result<Option<Call>> {
    Ok(sqlx::query_as("SELECT * FROM calls WHERE id = $1").bind(id).fetch_optional(store.pool()).await?)
}

/// The account's call with this carrier id (Twilio's `CallSid`), if any.
pub async fn find_by_carrier_call_id(
    store: &Store,
    account_id: &AccountId,
    carrier_call_id: &str,
) -> Result<Option<Call>> {
    Ok(sqlx::query_as("SELECT * FROM calls WHERE account_id = $1 AND carrier_call_id = $2 ORDER BY id LIMIT 1")
        .bind(account_id.as_str())
        .bind(carrier_call_id)
        .fetch_optional(store.pool())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_call(now: Timestamp) -> NewCall {
        NewCall {
            account_id: AccountId::generate(),
            business_id: BusinessId::generate(),
            agent_id: AgentId::generate(),
            agent_name: "kai".to_owned(),
            assistant_id: None,
            direction: Direction::Inbound,
            mode: ApiKeyMode::Test,
            carrier: CarrierKind::Twilio,
            carrier_call_id: Some("CA123".to_owned()),
            from_number: PhoneNumber::parse("+14155550100").expect("a valid number"),
            from_number_id: NumberId::generate(),
            to_number: PhoneNumber::parse("+14155550199").expect("a valid number"),
            contact_id: None,
            name: None,
            context: Some("returning customer".to_owned()),
            variables: Map::new(),
            metadata: Map::new(),
            instructions: "Be brief".to_owned(),
            first_message: Some("Hello".to_owned()),
            voice: None,
            sandbox: None,
            voicemail: None,
            analysis_settings: None,
            webhook_url: None,
            agent_webhook_url: Some("https://example.com/hook".to_owned()),
            max_duration_secs: 600,
            ring_timeout_secs: 30,
            start_at: now.plus_seconds(5),
        }
    }

    #[test]
    fn a_queued_call_has_what_the_caller_chose_and_nothing_else() {
        let now = Timestamp::now();
        let call = Call::queued_at(new_call(now), now);
        assert!(call.id.as_str().starts_with("call_"));
        assert_eq!((call.direction.as_str(), call.carrier.as_str()), ("inbound", "twilio"));
        assert_eq!((call.mode, call.status), (ApiKeyMode::Test, CallStatus::Queued));
        assert_eq!(call.carrier_call_id.as_deref(), Some("CA123"));
        assert_eq!(call.agent_webhook_url.as_deref(), Some("https://example.com/hook"));
        assert_eq!((call.start_at, call.created_at, call.updated_at), (now.plus_seconds(5), now, now));
        assert_eq!((call.end_reason, &call.end_detail, &call.owner_node), (None, &None, &None));
        let stamps = [call.heartbeat_at, call.initiated_at, call.ringing_at, call.answered_at, call.ended_at];
        assert_eq!(stamps, [None; 5]);
        assert_eq!((call.duration_secs, call.cost_cents), (None, None));
        assert_eq!((&call.media, &call.latency, &call.recording, &call.summary), (&None, &None, &None, &None));
    }

    #[test]
    fn each_queued_call_gets_its_own_id() {
        let now = Timestamp::now();
        assert_ne!(Call::queued(new_call(now)).id, Call::queued(new_call(now)).id);
    }
}
