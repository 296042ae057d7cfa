//! `/v1/calls`: place calls, follow them, end them.

use super::auth::{Authorized, Caller, CallsRead, CallsWrite};
use super::call_request::{self, CreateCall};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, from_value};
use super::pagination::{List, ListParams, instant};
use super::{live, tenancy};
use crate::AppState;
use agentline_domain::call::CallStatus;
use agentline_domain::secret::hash_secret;
use agentline_domain::{ApiKeyMode, Direction, Timestamp};
use agentline_store::accounts;
use agentline_store::calls::Call;
use agentline_store::events::{self, CallEventRecord};
use agentline_store::idempotency::{self, IdempotentResponse};
use agentline_store::lifecycle;
use agentline_store::numbers::Number;
use agentline_store::record::{self, Filter};
use agentline_store::{contacts, dispatch, wallet};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_call, list_calls))
        .routes(routes!(get_call))
        .routes(routes!(end_call))
        .routes(routes!(send_dtmf))
        .routes(routes!(transfer_call))
        .routes(routes!(call_events))
        .routes(routes!(transcript_stream))
        .routes(routes!(number_calls))
}

/// The agent a call uses, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentSummary {
    pub id: String,
    pub name: String,
    pub assistant_id: Option<String>,
}

/// The account's concurrency figures when the call was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Concurrency {
    pub limit: i64,
    pub in_use: i64,
    pub queued: i64,
}

/// A call as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    #[serde(flatten)]
    pub call: Call,
    /// Where to download the call's recording (`/v1/calls/{id}/recording`, relative to the
    /// server), once there is one.
    pub recording_url: Option<String>,
    /// Same as `direction` (`outbound`).
    #[serde(rename = "type")]
    pub call_type: Direction,
    pub agent: AgentSummary,
    /// Place among the account's waiting calls (1 = next), while queued.
    pub queue_position: Option<i64>,
    /// A rough estimate of when a queued call will be dialled.
    pub estimated_start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
}

impl CallView {
    fn brief(call: Call) -> Self {
        let agent = AgentSummary {
            id: call.agent_id.to_string(),
            name: call.agent_name.clone(),
            assistant_id: call.assistant_id.clone(),
        };
        Self {
            recording_url: super::transcripts::recording_url(&call),
            call_type: call.direction,
            agent,
            queue_position: None,
            estimated_start: None,
            concurrency: None,
            call,
        }
    }

    /// The full view, with the queue place and the account's concurrency figures.
    async fn detailed(state: &AppState, call: Call) -> ApiResult<Self> {
        let limit = accounts::get(&state.store, &call.account_id).await?.concurrency_limit;
        let (in_use, queued) = dispatch::concurrency(&state.store, &call.account_id).await?;
        let position = if call.status == CallStatus::Queued {
            Some(dispatch::queue_position(&state.store, &call).await?)
        } else {
            None
        };
        let mut view = Self::brief(call);
        view.estimated_start = position.map(|p| estimate_start(view.call.start_at, p, in_use, limit));
        view.queue_position = position;
        view.concurrency = Some(Concurrency { limit, in_use, queued });
        Ok(view)
    }
}

/// Now (or `start_at`) when a slot is free; otherwise a minute per call ahead, per slot.
fn estimate_start(start_at: Timestamp, position: i64, in_use: i64, limit: i64) -> Timestamp {
    let earliest = start_at.max(Timestamp::now());
    let free = (limit - in_use).max(0);
    if position <= free {
        return earliest;
    }
    let rounds = (position - free + limit.max(1) - 1) / limit.max(1);
    earliest.plus_seconds(60 * rounds)
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255);
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::validation("Idempotency-Key must be 1 to 255 visible characters").with_param("Idempotency-Key")
    })
}

fn replay(saved: IdempotentResponse, request_hash: &str) -> ApiResult<Response> {
    if saved.request_hash != request_hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body",
        ));
    }
    let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], saved.body).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

/// Refuses a live call the wallet cannot pay a minute of.
pub(crate) async fn check_wallet(state: &AppState, call: &Call) -> ApiResult<()> {
    if call.mode == ApiKeyMode::Test {
        return Ok(());
    }
    let (balance, rate) = wallet::balance_and_rate(&state.store, &call.account_id).await?;
    if rate > 0 && balance < rate {
        let message = format!("Insufficient funds: the balance is {balance} cents and one minute costs {rate} cents");
        return Err(ApiError::new(StatusCode::PAYMENT_REQUIRED, "insufficient_funds", message)
            .with_detail("balance_cents", balance)
            .with_detail("required_cents", rate)
            .with_detail("rate_cents_per_minute", rate));
    }
    Ok(())
}

/// Place a call.
///
/// Accepted calls are queued and dialled as soon as the account has a free concurrency slot
/// (and `start_at` has come). Send `Idempotency-Key` to retry safely: the same key and body
/// return the first response; the same key with another body is a 422.
#[utoipa::path(post, path = "/v1/calls", tag = "calls", request_body = CreateCall,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = CallView), (status = 402, description = "insufficient_funds", body = super::error::ErrorBody),
        (status = 422, description = "idempotency_key_reused", body = super::error::ErrorBody), ApiErrorDoc),
    security(("api_key" = [])))]
async fn create_call(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    // Test and live keys never share idempotency records.
    let key = idempotency_key(&headers)?.map(|k| format!("{}:{k}", caller.mode().as_str()));
    let request_hash = hash_secret(&body.to_string());
    if let Some(key) = &key
        && let Some(saved) = idempotency::find_idempotent(&state.store, caller.account_id(), key).await?
    {
        return replay(saved, &request_hash);
    }
    let input: CreateCall = from_value(body)?;
    let call = call_request::prepare(&state, &caller, input).await?;
    check_wallet(&state, &call).await?;
    let limit = accounts::get(&state.store, caller.account_id()).await?.concurrency_limit;
    // Read before the write transaction: nothing may take a second connection while one is held.
    let position = dispatch::queue_position(&state.store, &call).await?;

    let mut tx = state.store.begin_write().await?;
    let (in_use, queued) = dispatch::slot_counts(&mut tx, caller.account_id()).await?;
    if queued >= state.config.engine.calls.max_queued_per_account {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "concurrency_limit_exceeded",
            format!("{queued} calls are already waiting for one of {limit} concurrent slots; try again later"),
        )
        .with_detail("limit", limit)
        .with_detail("in_use", in_use)
        .with_detail("queued", queued)
        .with_retry_after(30));
    }
    let mut view = CallView::brief(call.clone());
    view.queue_position = Some(position);
    view.estimated_start = Some(estimate_start(call.start_at, position, in_use, limit));
    view.concurrency = Some(Concurrency { limit, in_use, queued: position });
    let body = serde_json::to_string(&view).map_err(|e| ApiError::internal(&e))?;
    if let Some(key) = &key {
        let saved = IdempotentResponse { request_hash: request_hash.clone(), status: 201, body: body.clone() };
        match idempotency::save_idempotent(&mut tx, caller.account_id(), key, &call.id, &saved).await {
            Ok(()) => {}
            Err(agentline_store::Error::AlreadyExists) => {
                return replay_after_race(&state, &caller, key, tx, &request_hash).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
    lifecycle::insert_queued(&mut tx, &call).await?;
    if let Some(contact) = &call.contact_id {
        contacts::count_interaction(&mut tx, contact).await?;
    }
    tx.commit().await.map_err(agentline_store::Error::from)?;
    state.calls.wake();
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Another request with the same key committed first: answer as it was answered.
async fn replay_after_race(
    state: &AppState,
    caller: &Caller,
    key: &str,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    request_hash: &str,
) -> ApiResult<Response> {
    tx.rollback().await.map_err(|e| ApiError::internal(&e))?;
    let saved = idempotency::find_idempotent(&state.store, caller.account_id(), key).await?;
    let saved = saved.ok_or_else(|| ApiError::internal(&"idempotency record vanished"))?;
    replay(saved, request_hash)
}

/// Filters for listing calls.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilters {
    pub agent_id: Option<String>,
    /// `queued`, `initiated`, `ringing`, `answered`, `in_progress`, `completed`, `failed`, `no_answer`, `busy` or `canceled`.
    pub status: Option<String>,
    /// Calls placed from this number id.
    pub number_id: Option<String>,
    pub contact_id: Option<String>,
    /// Calls a campaign placed (`cmp_…`).
    pub campaign_id: Option<String>,
    /// RFC 3339; calls created at or after.
    pub created_after: Option<String>,
    /// RFC 3339; calls created before.
    pub created_before: Option<String>,
}

fn call_filter(filters: &CallFilters) -> ApiResult<Filter> {
    if let Some(status) = &filters.status {
        CallStatus::parse(status)
            .ok_or_else(|| ApiError::validation(format!("status: unknown status `{status}`")).with_param("status"))?;
    }
    Ok(Filter::new()
        .eq("agent_id", filters.agent_id.clone())
        .eq("status", filters.status.clone())
        .eq("from_number_id", filters.number_id.clone())
        .eq("contact_id", filters.contact_id.clone())
        .eq("campaign_id", filters.campaign_id.clone())
        .gte("created_at", instant("created_after", filters.created_after.as_deref())?)
        .lt("created_at", instant("created_before", filters.created_before.as_deref())?))
}

/// List calls, newest first.
#[utoipa::path(get, path = "/v1/calls", tag = "calls", params(ListParams, CallFilters),
    responses((status = 200, body = List<CallView>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_calls(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<CallFilters>,
) -> ApiResult<Json<List<CallView>>> {
    let request = params.to_request(50, 100)?;
    let page = record::list::<Call>(&state.store, &caller.tenant, &call_filter(&filters)?, &request).await?;
    Ok(Json(List::new(page, &request).map(CallView::brief)))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Call> {
    tenancy::find(state, caller, id, "Call").await
}

/// Get a call, with its queue place and the account's concurrency figures.
#[utoipa::path(get, path = "/v1/calls/{id}", tag = "calls", params(("id" = String, Path)),
    responses((status = 200, body = CallView), ApiErrorDoc), security(("api_key" = [])))]
async fn get_call(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CallView>> {
    let call = find(&state, &caller, &id).await?;
    Ok(Json(CallView::detailed(&state, call).await?))
}

/// End a call in any state before it has ended: a queued or ringing call is canceled, an
/// answered one is hung up.
#[utoipa::path(post, path = "/v1/calls/{id}/end", tag = "calls", params(("id" = String, Path)),
    responses((status = 200, body = CallView), (status = 409, description = "call_already_ended", body = super::error::ErrorBody), ApiErrorDoc),
    security(("api_key" = [])))]
async fn end_call(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CallView>> {
    let call = find(&state, &caller, &id).await?;
    if call.status.is_terminal() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "call_already_ended",
            format!("The call has already ended ({})", call.status),
        ));
    }
    state.calls.end(&call).await?;
    let now = find(&state, &caller, &id).await?;
    Ok(Json(CallView::detailed(&state, now).await?))
}

/// Keys to press on an answered call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DtmfInput {
    /// Up to 32 of `0-9`, `*`, `#`, `A-D`, sent as RFC 4733 events.
    pub digits: String,
}

/// Press keys on an answered call (to navigate a phone menu), on any node: the node that runs
/// the call sends them after any audio already queued, and logs them as a `call.dtmf` event.
#[utoipa::path(post, path = "/v1/calls/{id}/dtmf", tag = "calls", params(("id" = String, Path)), request_body = DtmfInput,
    responses((status = 202, body = CallView), (status = 409, description = "call_not_answered", body = super::error::ErrorBody), ApiErrorDoc),
    security(("api_key" = [])))]
async fn send_dtmf(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DtmfInput>,
) -> ApiResult<(StatusCode, Json<CallView>)> {
    let valid = |c: char| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D');
    if input.digits.is_empty() || input.digits.len() > 32 || !input.digits.chars().all(valid) {
        return Err(ApiError::validation("digits: 1 to 32 of 0-9, *, #, A-D").with_param("digits"));
    }
    let call = find(&state, &caller, &id).await?;
    let not_answered = || {
        ApiError::new(StatusCode::CONFLICT, "call_not_answered", format!("The call is {}, not answered", call.status))
    };
    if call.status != agentline_domain::call::CallStatus::InProgress {
        return Err(not_answered());
    }
    if !state.calls.order(&call, agentline_engine::leg::CallCommand::SendDtmf(input.digits)).await {
        return Err(elsewhere(&state, &call).unwrap_or_else(not_answered));
    }
    Ok((StatusCode::ACCEPTED, Json(CallView::detailed(&state, call).await?)))
}

/// Hand an answered call to a person. `blind` (the default) hands it over at once: by SIP REFER
/// where the trunk takes it (else agentline dials the target and bridges the two legs), by
/// redirecting a Twilio call to `<Dial>`. `warm` dials the target, says `whisper` to them, then
/// bridges the caller in. The agent tells the caller to hold; `call.transfer_started`,
/// `call.transferred` or `call.transfer_failed` follow (on failure the agent takes the call back
/// and says so). The call ends `transferred`; bridged minutes are billed as a second leg.
#[utoipa::path(post, path = "/v1/calls/{id}/transfer", tag = "calls", params(("id" = String, Path)),
    request_body = agentline_domain::transfer::TransferBody,
    responses((status = 202, body = CallView),
        (status = 409, description = "call_not_answered, transfer_in_progress or already_transferred", body = super::error::ErrorBody),
        ApiErrorDoc),
    security(("api_key" = [])))]
async fn transfer_call(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<agentline_domain::transfer::TransferBody>,
) -> ApiResult<(StatusCode, Json<CallView>)> {
    let request = input.validate().map_err(ApiError::from)?;
    let call = find(&state, &caller, &id).await?;
    check_transferable(&call)?;
    let command = agentline_engine::leg::CallCommand::Transfer(request);
    if !state.calls.order(&call, command).await {
        return Err(elsewhere(&state, &call).unwrap_or_else(|| not_answered(&call)));
    }
    Ok((StatusCode::ACCEPTED, Json(CallView::detailed(&state, call).await?)))
}

/// A call that another node runs, which this node could not reach (the order travels through
/// the database's `NOTIFY`; see docs/deploy.md).
fn elsewhere(state: &AppState, call: &Call) -> Option<ApiError> {
    let owner = call.owner_node.as_deref().filter(|owner| *owner != state.config.engine.calls.node_id)?;
    let message = format!("The call is running on node `{owner}`, which this node could not reach: try that node");
    Some(
        ApiError::new(StatusCode::CONFLICT, "call_on_another_node", message)
            .with_detail("owner_node", owner.to_owned()),
    )
}

fn not_answered(call: &Call) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "call_not_answered", format!("The call is {}, not answered", call.status))
}

/// An answered call with no transfer under way and none done.
fn check_transferable(call: &Call) -> ApiResult<()> {
    use agentline_domain::transfer::TransferStatus;
    if call.status != agentline_domain::call::CallStatus::InProgress {
        return Err(not_answered(call));
    }
    match call.transfer.as_ref().map(|t| t.status) {
        Some(TransferStatus::Started) => {
            Err(ApiError::new(StatusCode::CONFLICT, "transfer_in_progress", "The call is being transferred already"))
        }
        Some(TransferStatus::Transferred) => {
            Err(ApiError::new(StatusCode::CONFLICT, "already_transferred", "The call was transferred already"))
        }
        Some(TransferStatus::Failed) | None => Ok(()),
    }
}

/// The call's events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallEvents {
    pub data: Vec<CallEventRecord>,
}

/// A call's event log: every status change with its time.
///
/// With `Accept: text/event-stream` this is a live stream (Server-Sent Events): the events so
/// far, then each new one as it happens, closing after the call's final event. Reconnect
/// with `Last-Event-ID` to continue where the stream stopped.
#[utoipa::path(get, path = "/v1/calls/{id}/events", tag = "calls",
    params(("id" = String, Path), ("Last-Event-ID" = Option<String>, Header, description = "Resume a stream after this event")),
    responses((status = 200, body = CallEvents, description = "JSON, or text/event-stream when asked for"), ApiErrorDoc),
    security(("api_key" = [])))]
async fn call_events(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let call = find(&state, &caller, &id).await?;
    if live::wants_event_stream(&headers) {
        let tenant = caller.tenant.clone();
        return Ok(live::stream(state, tenant, call.id.clone(), live::last_event_id(&headers)?, None).into_response());
    }
    Ok(Json(CallEvents { data: events::events(&state.store, &caller.tenant, &call.id).await? }).into_response())
}

/// The call's transcript turns as they happen (Server-Sent Events of `call.transcript`),
/// closing when the call ends. Resumable with `Last-Event-ID`.
#[utoipa::path(get, path = "/v1/calls/{id}/transcript/stream", tag = "calls", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream of call.transcript events"), ApiErrorDoc),
    security(("api_key" = [])))]
async fn transcript_stream(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let call = find(&state, &caller, &id).await?;
    let tenant = caller.tenant.clone();
    Ok(live::stream(state, tenant, call.id.clone(), live::last_event_id(&headers)?, Some("call.transcript"))
        .into_response())
}

/// Calls on one of your numbers, placed from it or answered on it, newest first.
#[utoipa::path(get, path = "/v1/numbers/{id}/calls", tag = "calls", params(("id" = String, Path), ListParams),
    responses((status = 200, body = List<CallView>), ApiErrorDoc), security(("api_key" = [])))]
async fn number_calls(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<CallView>>> {
    let number: Number = tenancy::find(&state, &caller, &id, "Phone number").await?;
    let request = params.to_request(50, 100)?;
    let filter = Filter::new().eq("from_number_id", Some(number.id.to_string()));
    let page = record::list::<Call>(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request).map(CallView::brief)))
}
