//! `/v1/campaigns`: call a list of contacts with one agent, inside each contact's calling
//! hours, with retries, at a steady pace. The scheduler (`crate::campaigns`) does the calling;
//! this is where campaigns are made, filled, started, paused, resumed, canceled and read.

use super::auth::{Authorized, Caller, CallsRead, CallsWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::pagination::{List, ListParams};
use super::tenancy;
use crate::AppState;
use crate::campaigns::rows::{Lookups, row_errors};
use agentline_domain::campaign::rows::{ContactRowBody, check_csv, check_json};
use agentline_domain::campaign::{CampaignStatus, ContactState, RetryRules, WindowBody};
use agentline_domain::validate::{FieldError, bounded, text};
use agentline_domain::{CampaignId, NumberId, Timestamp};
use agentline_store::agents::Agent;
use agentline_store::businesses::Business;
use agentline_store::campaigns::{self, Campaign, CampaignContact, CampaignEvent};
use agentline_store::numbers::Number;
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Uploads may be larger than other requests: 100,000 rows of CSV.
const UPLOAD_LIMIT_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_campaign, list_campaigns))
        .routes(routes!(get_campaign))
        .routes(routes!(add_contacts, list_contacts))
        .routes(routes!(campaign_events))
        .routes(routes!(start_campaign))
        .routes(routes!(pause_campaign))
        .routes(routes!(resume_campaign))
        .routes(routes!(cancel_campaign))
        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT_BYTES))
}

/// A campaign to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    pub name: String,
    /// The agent that makes every call.
    pub agent_id: String,
    /// Caller-ID numbers (`num_…`), used in turn; default: the agent's outbound numbers.
    #[serde(default)]
    pub from_number_ids: Vec<String>,
    /// Contacts to call: existing ones by `contact_id`, or rows of their own. More can be
    /// added later (`POST /v1/campaigns/{id}/contacts`, JSON or CSV).
    #[serde(default)]
    pub contacts: Vec<ContactRowBody>,
    /// When calls may start, in each contact's time zone (default 09:00–20:00, Monday to Friday).
    #[serde(default)]
    pub window: WindowBody,
    /// Retries per outcome.
    #[serde(default)]
    pub retry: RetryRules,
    /// Template variables for every call (each contact's own win).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    /// Calls of this campaign at once (1 to 1,000, default 5); the account's limit applies too.
    pub max_concurrent: Option<i64>,
    /// New calls a minute at most (1 to 60,000, default 30).
    pub calls_per_minute: Option<i64>,
    /// Calls a caller-ID number may place a day (UTC), all calls counted.
    pub daily_cap_per_number: Option<i64>,
    /// No call before this time (RFC 3339).
    pub start_at: Option<String>,
    /// No call after this time: contacts not reached by then are skipped.
    pub end_at: Option<String>,
    /// Start at once (default: created as a `draft`, started with `POST …/start`).
    #[serde(default)]
    pub start: bool,
}

/// A campaign with its live counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub counts: Counts,
}

/// How many contacts are in each state.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Counts {
    pub total: i64,
    pub pending: i64,
    pub waiting_for_window: i64,
    pub in_progress: i64,
    pub retry_scheduled: i64,
    pub completed: i64,
    pub failed: i64,
    pub skipped: i64,
    /// Skipped contacts by reason: `do_not_call`, `invalid_number`, `window_never_open`, `canceled`, `not_placeable`.
    pub skipped_by_reason: BTreeMap<String, i64>,
}

impl Counts {
    pub(crate) fn from_rows(rows: Vec<(String, Option<String>, i64)>) -> Self {
        let mut counts = Self::default();
        for (state, reason, n) in rows {
            counts.total += n;
            match ContactState::parse(&state) {
                Some(ContactState::Pending) => counts.pending += n,
                Some(ContactState::WaitingForWindow) => counts.waiting_for_window += n,
                Some(ContactState::InProgress) => counts.in_progress += n,
                Some(ContactState::RetryScheduled) => counts.retry_scheduled += n,
                Some(ContactState::Completed) => counts.completed += n,
                Some(ContactState::Failed) => counts.failed += n,
                Some(ContactState::Skipped) | None => {
                    counts.skipped += n;
                    *counts.skipped_by_reason.entry(reason.unwrap_or_default()).or_default() += n;
                }
            }
        }
        counts
    }
}

pub(crate) async fn view(state: &AppState, campaign: Campaign) -> ApiResult<CampaignView> {
    let counts = Counts::from_rows(campaigns::counts(&state.store, &campaign.id).await?);
    Ok(CampaignView { campaign, counts })
}

fn time(field: &'static str, value: Option<&str>) -> ApiResult<Option<Timestamp>> {
    value.map(|t| Timestamp::parse(t).map_err(|e| FieldError::new(field, e.to_string()).into())).transpose()
}

/// The caller-ID numbers: those asked for (the account's, outbound-enabled), else the agent's.
async fn caller_ids(state: &AppState, caller: &Caller, agent: &Agent, asked: &[String]) -> ApiResult<Vec<NumberId>> {
    let numbers: Vec<Number> = if asked.is_empty() {
        let filter = Filter::new().eq("agent_id", Some(agent.id.to_string()));
        let page = agentline_store::page::PageRequest { limit: 100, ..Default::default() };
        record::list::<Number>(&state.store, &caller.tenant, &filter, &page).await?.items
    } else {
        let mut found = Vec::new();
        for id in asked {
            let number: Number = tenancy::find(state, caller, id, "phone number").await.map_err(|_| {
                ApiError::validation(format!("from_number_ids: no number {id}")).with_param("from_number_ids")
            })?;
            found.push(number);
        }
        found
    };
    let usable: Vec<NumberId> = numbers.into_iter().filter(|n| n.outbound_enabled).map(|n| n.id).collect();
    if usable.is_empty() {
        return Err(ApiError::validation(
            "the campaign needs an outbound caller-ID number: give from_number_ids or give the agent a number",
        )
        .with_param("from_number_ids"));
    }
    Ok(usable)
}

/// Create a campaign.
#[utoipa::path(post, path = "/v1/campaigns", tag = "campaigns", request_body = CreateCampaign,
    responses((status = 201, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn create_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiJson(input): ApiJson<CreateCampaign>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    let name = text("name", &input.name, 200)?;
    input.window.validate()?;
    input.retry.validate()?;
    let max_concurrent = bounded("max_concurrent", input.max_concurrent, 5, 1..=1_000, "")?;
    let calls_per_minute = bounded("calls_per_minute", input.calls_per_minute, 30, 1..=60_000, "")?;
    let daily_cap =
        input.daily_cap_per_number.map(|c| bounded("daily_cap_per_number", Some(c), c, 1..=100_000, "")).transpose()?;
    let (start_at, end_at) = (time("start_at", input.start_at.as_deref())?, time("end_at", input.end_at.as_deref())?);
    if let (Some(start), Some(end)) = (start_at, end_at)
        && end <= start
    {
        return Err(FieldError::new("end_at", "must come after start_at").into());
    }
    let rows = check_json(input.contacts).map_err(|errors| row_errors(&errors))?;
    let agent = agentline_store::agents::find_by_id_or_assistant_id(&state.store, &caller.tenant, &input.agent_id)
        .await
        .map_err(|_| ApiError::validation("agent_id: no such agent").with_param("agent_id"))?;
    let from_number_ids = caller_ids(&state, &caller, &agent, &input.from_number_ids).await?;
    let business = record::get::<Business>(&state.store, &caller.tenant, agent.business_id.as_str()).await?;
    let now = Timestamp::now();
    let campaign = Campaign {
        id: CampaignId::generate(),
        account_id: caller.account_id().clone(),
        business_id: agent.business_id.clone(),
        name,
        agent_id: agent.id.clone(),
        from_number_ids,
        mode: caller.mode(),
        key_id: caller.key_id().cloned(),
        status: CampaignStatus::Draft,
        window: serde_json::to_value(&input.window).unwrap_or(Value::Null),
        retry: input.retry,
        variables: input.variables,
        max_concurrent,
        calls_per_minute,
        daily_cap_per_number: daily_cap,
        start_at,
        end_at,
        next_dial_at: now,
        started_at: None,
        ended_at: None,
        created_at: now,
        updated_at: now,
    };
    let lookups = Lookups::load(&state.store, &caller.tenant, &rows, business.timezone).await?;
    let contacts = lookups.contacts(&campaign, rows, false, now);
    campaigns::create(&state.store, &campaign, &contacts).await?;
    let draft = [CampaignStatus::Draft];
    let started = if input.start {
        campaigns::transition(
            &state.store,
            &caller.tenant,
            &campaign.id,
            &draft,
            CampaignStatus::Running,
            "campaign.started",
            now,
        )
        .await?
    } else {
        None
    };
    Ok((StatusCode::CREATED, Json(view(&state, started.unwrap_or(campaign)).await?)))
}

/// Contacts to add as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddContacts {
    pub contacts: Vec<ContactRowBody>,
}

/// What an upload added.
#[derive(Debug, Serialize, ToSchema)]
pub struct Added {
    /// Rows added (skipped ones included).
    pub added: usize,
    /// Rows added as skipped: `invalid_number` or `do_not_call`.
    pub skipped: usize,
    pub campaign: CampaignView,
}

/// Add contacts: JSON `{"contacts": [...]}` or a CSV file (`Content-Type: text/csv`) whose
/// header names `phone_number` and optionally `name` and `timezone`; other columns become each
/// row's template variables. Every row is checked first: any faulty row fails the whole upload
/// (400, `error.errors` lists them by line) and nothing is added.
#[utoipa::path(post, path = "/v1/campaigns/{id}/contacts", tag = "campaigns", params(("id" = String, Path)),
    request_body(content = AddContacts, content_type = "application/json"),
    responses((status = 201, body = Added), ApiErrorDoc), security(("api_key" = [])))]
async fn add_contacts(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Added>)> {
    let campaign: Campaign = tenancy::find(&state, &caller, &id, "campaign").await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_csv = content_type.starts_with("text/csv");
    let rows = if is_csv {
        let text = std::str::from_utf8(&body).map_err(|_| ApiError::validation("the CSV file must be UTF-8"))?;
        check_csv(text)
    } else {
        let input: AddContacts = serde_json::from_slice(&body).map_err(|e| {
            ApiError::validation(format!("the body must be JSON {{\"contacts\": [...]}} or text/csv: {e}"))
        })?;
        check_json(input.contacts)
    }
    .map_err(|errors| row_errors(&errors))?;
    let business = record::get::<Business>(&state.store, &caller.tenant, campaign.business_id.as_str()).await?;
    let lookups = Lookups::load(&state.store, &caller.tenant, &rows, business.timezone).await?;
    let contacts = lookups.contacts(&campaign, rows, is_csv, Timestamp::now());
    if !campaigns::add_contacts(&state.store, &campaign.id, &contacts).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "campaign_ended", "The campaign has ended; create another"));
    }
    let skipped = contacts.iter().filter(|c| c.state == ContactState::Skipped).count();
    Ok((StatusCode::CREATED, Json(Added { added: contacts.len(), skipped, campaign: view(&state, campaign).await? })))
}

/// List campaigns, newest first.
#[utoipa::path(get, path = "/v1/campaigns", tag = "campaigns", params(ListParams),
    responses((status = 200, body = List<Campaign>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_campaigns(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<Campaign>>> {
    let request = params.to_request(20, 100)?;
    let page = record::list(&state.store, &caller.tenant, &Filter::new(), &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Get a campaign with its live counts.
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn get_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    let campaign: Campaign = tenancy::find(&state, &caller, &id, "campaign").await?;
    Ok(Json(view(&state, campaign).await?))
}

/// Filters for a campaign's contacts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilters {
    /// Only contacts in this state.
    pub state: Option<String>,
    /// The last contact id of the previous page.
    pub after: Option<String>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
}

/// A page of a campaign's contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    pub data: Vec<CampaignContact>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// A campaign's contacts in upload order, each with its state and attempts.
#[utoipa::path(get, path = "/v1/campaigns/{id}/contacts", tag = "campaigns", params(("id" = String, Path), ContactFilters),
    responses((status = 200, body = ContactPage), ApiErrorDoc), security(("api_key" = [])))]
async fn list_contacts(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(filters): ApiQuery<ContactFilters>,
) -> ApiResult<Json<ContactPage>> {
    let campaign: Campaign = tenancy::find(&state, &caller, &id, "campaign").await?;
    let wanted = match filters.state.as_deref() {
        None => None,
        Some(text) => Some(ContactState::parse(text).ok_or_else(|| {
            ApiError::validation(format!("state: `{text}` is not a contact state")).with_param("state")
        })?),
    };
    let limit = bounded("limit", filters.limit, 100, 1..=500, "")?;
    let mut data = campaigns::contacts(&state.store, &campaign.id, wanted, filters.after.as_deref(), limit + 1).await?;
    let has_more = data.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    data.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = has_more.then(|| data.last().map(|c| c.id.to_string())).flatten();
    Ok(Json(ContactPage { data, has_more, next_cursor }))
}

/// A campaign's events.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignEvents {
    pub data: Vec<CampaignEvent>,
}

/// A campaign's events, oldest first (`campaign.started`, `campaign.paused`, `campaign.resumed`,
/// `campaign.canceled`, `campaign.completed`); the same go to webhook endpoints.
#[utoipa::path(get, path = "/v1/campaigns/{id}/events", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignEvents), ApiErrorDoc), security(("api_key" = [])))]
async fn campaign_events(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignEvents>> {
    let campaign: Campaign = tenancy::find(&state, &caller, &id, "campaign").await?;
    Ok(Json(CampaignEvents { data: campaigns::events(&state.store, &campaign.id).await? }))
}

/// Moves a campaign between states, or answers 409 naming the state it is in.
async fn transition(
    state: &AppState,
    caller: &Caller,
    id: &str,
    from: &[CampaignStatus],
    to: CampaignStatus,
    event: &str,
) -> ApiResult<Json<CampaignView>> {
    let campaign: Campaign = tenancy::find(state, caller, id, "campaign").await?;
    let moved =
        campaigns::transition(&state.store, &caller.tenant, &campaign.id, from, to, event, Timestamp::now()).await?;
    match moved {
        Some(campaign) => Ok(Json(view(state, campaign).await?)),
        None => {
            let current: Campaign = tenancy::find(state, caller, id, "campaign").await?;
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "campaign_state",
                format!("The campaign is {}: it cannot be {}", current.status.as_str(), verb(to)),
            ))
        }
    }
}

fn verb(to: CampaignStatus) -> &'static str {
    match to {
        CampaignStatus::Running => "started or resumed",
        CampaignStatus::Paused => "paused",
        CampaignStatus::Canceled => "canceled",
        CampaignStatus::Draft | CampaignStatus::Completed => "changed",
    }
}

/// Start a draft campaign.
#[utoipa::path(post, path = "/v1/campaigns/{id}/start", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn start_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, &caller, &id, &[CampaignStatus::Draft], CampaignStatus::Running, "campaign.started").await
}

/// Pause a running campaign: nothing new is dialled; calls already placed finish.
#[utoipa::path(post, path = "/v1/campaigns/{id}/pause", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn pause_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, &caller, &id, &[CampaignStatus::Running], CampaignStatus::Paused, "campaign.paused").await
}

/// Resume a paused campaign.
#[utoipa::path(post, path = "/v1/campaigns/{id}/resume", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn resume_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, &caller, &id, &[CampaignStatus::Paused], CampaignStatus::Running, "campaign.resumed").await
}

/// Cancel a campaign: contacts not yet called are skipped (`canceled`); calls already placed finish.
#[utoipa::path(post, path = "/v1/campaigns/{id}/cancel", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), ApiErrorDoc), security(("api_key" = [])))]
async fn cancel_campaign(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    let from = [CampaignStatus::Draft, CampaignStatus::Running, CampaignStatus::Paused];
    transition(&state, &caller, &id, &from, CampaignStatus::Canceled, "campaign.canceled").await
}
