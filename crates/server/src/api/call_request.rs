//! `POST /v1/calls`: turning a request into a queued call, or into the error the seeds
//! document for it. Nothing is written until every check has passed.

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::AppState;
use agentline_domain::analysis::AnalysisSettings;
use agentline_domain::sandbox::SandboxScript;
use agentline_domain::validate::{bounded, http_url, optional_text, text};
use agentline_domain::voicemail::Voicemail;
use agentline_domain::{ApiKeyMode, CarrierKind, Direction, PhoneNumber, Timestamp, template};
use agentline_store::agents::{self, Agent};
use agentline_store::businesses::Business;
use agentline_store::calls::{Call, NewCall};
use agentline_store::contacts::Contact;
use agentline_store::numbers::Number;
use agentline_store::record::{self, Filter};
use agentline_store::{PageRequest, contacts, dnc};
use axum::http::StatusCode;
use chrono::Timelike;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// A call to place. Field names of the seeds' APIs are accepted as aliases.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCall {
    /// Destination in E.164. Also `phone_number`, `to_number`, `toNumber`.
    #[serde(default, alias = "phone_number", alias = "to_number", alias = "toNumber")]
    pub to: Option<String>,
    /// Agent id (`agt_…`) or the agent's `assistant_id`. Also `agentId`, `endpoint_id`.
    #[serde(default, alias = "agentId", alias = "endpoint_id")]
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<Value>,
    /// Caller ID: one of the account's numbers, outbound-enabled. Default: the agent's first number.
    #[serde(default, alias = "fromNumber")]
    pub from_number: Option<String>,
    /// Caller ID by number id. Also `fromNumberId`.
    #[serde(default, alias = "fromNumberId")]
    pub from_number_id: Option<String>,
    /// The contact (lead) called, by id or `external_id`; found by `to` when omitted. Also `lead_id`.
    #[serde(default, alias = "lead_id", alias = "contactId", alias = "leadId")]
    pub contact_id: Option<String>,
    /// The callee's name. Also `customer_name`.
    #[serde(default, alias = "customer_name")]
    pub name: Option<String>,
    /// Free-form context the agent can use (`{{context}}`).
    #[serde(default)]
    pub context: Option<String>,
    /// Values for the `{{placeholders}}` in the agent's instructions and first message.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: Option<Map<String, Value>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// Overrides the agent's opening line. Also `firstMessage`, `initial_greeting`.
    #[serde(default, alias = "firstMessage", alias = "initial_greeting", alias = "initialGreeting")]
    pub first_message: Option<String>,
    /// Overrides the agent's instructions for this call. Also `systemPrompt`.
    #[serde(default, alias = "systemPrompt")]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub voice: Option<String>,
    /// Also receives this call's events.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// How `webhook_url` receives them: `standard` (the default), `klen` or `kaicalls` (the
    /// seed dialects set their own).
    #[serde(default)]
    pub webhook_format: Option<String>,
    /// Seconds (default: the agent's, normally 600).
    #[serde(default, alias = "max_duration_secs")]
    pub max_duration: Option<i64>,
    /// Seconds to ring before giving up (default 30).
    #[serde(default, alias = "ring_timeout_secs")]
    pub ring_timeout: Option<i64>,
    /// Place the call at this time (RFC 3339) instead of now.
    #[serde(default)]
    pub start_at: Option<String>,
    /// Test keys only: what the sandbox callee says, `{"callee_lines": ["…", …]}`, one line per
    /// turn (the first when it answers), hanging up after the agent answers the last. Applies
    /// to the talking sandbox numbers (`…0100`, `…0106`, `…0108` and any non-magic number).
    #[serde(default)]
    pub sandbox: Option<SandboxInput>,
    /// This call's own analysis settings, laid field by field over the agent's `analysis`.
    #[serde(default)]
    pub analysis: Option<AnalysisSettings>,
}

/// What a test call's sandbox callee should do.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SandboxInput {
    /// 1 to 20 lines of at most 300 characters.
    pub callee_lines: Vec<String>,
}

/// The sandbox script a test call asked for; live calls cannot have one.
fn sandbox_script(input: Option<SandboxInput>, mode: ApiKeyMode) -> ApiResult<Option<SandboxScript>> {
    let Some(input) = input else { return Ok(None) };
    if mode == ApiKeyMode::Live {
        return Err(ApiError::validation("sandbox: only test keys (al_test_…) can script the sandbox callee")
            .with_param("sandbox"));
    }
    Ok(Some(SandboxScript::new(input.callee_lines)?))
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

fn destination(input: &CreateCall, mode: ApiKeyMode) -> ApiResult<PhoneNumber> {
    let raw = input.to.as_deref().filter(|t| !t.trim().is_empty());
    let raw = raw.ok_or_else(|| {
        error(StatusCode::BAD_REQUEST, "missing_phone_number", "Phone number (`to`) is required").with_param("to")
    })?;
    let invalid = |message: String| error(StatusCode::BAD_REQUEST, "invalid_phone_number", message).with_param("to");
    let to = PhoneNumber::parse_or_fictional(raw).map_err(|e| invalid(e.to_string()))?;
    // The seeds' example numbers (+1 555 …) reach the sandbox; no carrier can ring them.
    if to.is_fictional() && mode == ApiKeyMode::Live {
        return Err(invalid(format!("{raw} is a fictional number (NPA 555); only test keys can call it")));
    }
    Ok(to)
}

fn missing_agent() -> ApiError {
    error(StatusCode::BAD_REQUEST, "missing_agent_id", "Agent ID is required").with_param("agent_id")
}

async fn agent(state: &AppState, caller: &Caller, input: &CreateCall) -> ApiResult<Agent> {
    let key = match &input.agent_id {
        None | Some(Value::Null) => return Err(missing_agent()),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(missing_agent()),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(ApiError::validation("agent_id: must be a string or a number").with_param("agent_id")),
    };
    agents::find_by_id_or_assistant_id(&state.store, &caller.tenant, &key).await.map_err(|e| match e {
        agentline_store::Error::NotFound => {
            error(StatusCode::NOT_FOUND, "agent_not_found", "AI agent not found or you do not have access")
                .with_param("agent_id")
        }
        other => other.into(),
    })
}

async fn caller_id(state: &AppState, caller: &Caller, input: &CreateCall, agent: &Agent) -> ApiResult<Number> {
    let param = if input.from_number_id.is_some() { "from_number_id" } else { "from_number" };
    let not_owned = |param: &str| {
        error(StatusCode::BAD_REQUEST, "number_not_owned", "The caller ID is not a number of this account")
            .with_param(param)
    };
    let number = if let Some(id) = &input.from_number_id {
        record::get::<Number>(&state.store, &caller.tenant, id).await.map_err(|_| not_owned("from_number_id"))?
    } else if let Some(raw) = &input.from_number {
        let phone = PhoneNumber::parse(raw).map_err(|e| {
            error(StatusCode::BAD_REQUEST, "invalid_phone_number", e.to_string()).with_param("from_number")
        })?;
        let filter = Filter::new().eq("phone_number", Some(phone.as_str()));
        let page = record::list::<Number>(
            &state.store,
            &caller.tenant,
            &filter,
            &PageRequest { limit: 1, ..Default::default() },
        )
        .await?;
        page.items.into_iter().next().ok_or_else(|| not_owned("from_number"))?
    } else {
        return agents_first_number(state, caller, agent).await;
    };
    if !number.outbound_enabled {
        return Err(error(StatusCode::BAD_REQUEST, "outbound_disabled", "Outbound calls are disabled for this number")
            .with_param(param));
    }
    Ok(number)
}

/// The agent's oldest outbound-enabled number.
async fn agents_first_number(state: &AppState, caller: &Caller, agent: &Agent) -> ApiResult<Number> {
    let filter = Filter::new().eq("agent_id", Some(agent.id.as_str())).eq("outbound_enabled", Some(1_i64));
    let page = record::list::<Number>(
        &state.store,
        &caller.tenant,
        &filter,
        &PageRequest { limit: 100, ..Default::default() },
    )
    .await?;
    page.items.into_iter().last().ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "no_phone_number",
            "The agent does not have an assigned phone number with outbound calls enabled",
        )
    })
}

async fn contact(
    state: &AppState,
    caller: &Caller,
    input: &CreateCall,
    to: &PhoneNumber,
) -> ApiResult<Option<Contact>> {
    if let Some(id) = &input.contact_id {
        let found = contacts::find_by_id_or_external_id(&state.store, &caller.tenant, id).await;
        return found.map(Some).map_err(|_| {
            error(StatusCode::NOT_FOUND, "contact_not_found", "Contact not found").with_param("contact_id")
        });
    }
    let filter = Filter::new().eq("phone_number", Some(to.as_str()));
    let page =
        record::list::<Contact>(&state.store, &caller.tenant, &filter, &PageRequest { limit: 1, ..Default::default() })
            .await?;
    Ok(page.items.into_iter().next())
}

fn time_of_day(timezone: Option<&str>, now: Timestamp) -> &'static str {
    let tz: chrono_tz::Tz = timezone.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC);
    match now.datetime().with_timezone(&tz).hour() {
        5..=11 => "morning",
        12..=16 => "afternoon",
        _ => "evening",
    }
}

/// The variables a call's templates see: enrichment from the contact and business (always
/// present, empty when unknown), then the request's own variables on top.
fn variables(input: &CreateCall, contact: Option<&Contact>, business: &Business, now: Timestamp) -> Map<String, Value> {
    let days = contact.map_or(0, |c| (now.datetime() - c.created_at.datetime()).num_days());
    let name = input.name.clone().or_else(|| contact.and_then(|c| c.name.clone())).unwrap_or_default();
    let first_name = name.split_whitespace().next().unwrap_or_default().to_owned();
    let timezone = contact.and_then(|c| c.timezone.as_deref()).or(business.timezone.as_deref());
    let mut vars = json!({
        "name": first_name,
        "full_name": name,
        "context": input.context.clone().unwrap_or_default(),
        "lead_score": contact.and_then(|c| c.lead_score).map_or(json!(""), |score| json!(score)),
        "lead_status": contact.and_then(|c| c.lead_status.clone()).unwrap_or_default(),
        "lead_source": contact.and_then(|c| c.lead_source.clone()).unwrap_or_default(),
        "interaction_count": contact.map_or(0, |c| c.interaction_count),
        "days_since_first_contact": days,
        "business_name": business.name,
        "business_phone": business.phone.clone().unwrap_or_default(),
        "time_of_day": time_of_day(timezone, now),
    });
    let map = vars.as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut merged = map;
    for (key, value) in input.variables.clone().unwrap_or_default() {
        merged.insert(key, value);
    }
    merged
}

fn render(field: &'static str, source: &str, vars: &Map<String, Value>) -> ApiResult<String> {
    if let Err(e) = template::variables_of(source) {
        return Err(ApiError::validation(format!("{field}: invalid template: {e}")).with_param(field));
    }
    template::render(source, &Value::Object(vars.clone()))
        .map_err(|e| ApiError::validation(format!("{field}: {e}; pass it in `variables`")).with_param("variables"))
}

/// The agent's voicemail action with its message rendered for this call.
fn render_voicemail(voicemail: &Voicemail, vars: &Map<String, Value>) -> ApiResult<Voicemail> {
    match voicemail {
        Voicemail::Hangup {} => Ok(Voicemail::Hangup {}),
        Voicemail::LeaveMessage { message } => {
            Ok(Voicemail::LeaveMessage { message: render("voicemail.message", message, vars)? })
        }
    }
}

fn check_texts(input: &CreateCall) -> ApiResult<()> {
    input.name.as_deref().map(|n| text("name", n, 200)).transpose()?;
    input.context.as_deref().map(|c| optional_text("context", c, 8_000)).transpose()?;
    input.voice.as_deref().map(|v| text("voice", v, 100)).transpose()?;
    input.webhook_url.as_deref().map(|u| http_url("webhook_url", u)).transpose()?;
    input.webhook_format.as_deref().map(|f| super::webhooks::check_format("webhook_format", f)).transpose()?;
    for (field, map) in [("variables", &input.variables), ("metadata", &input.metadata)] {
        if let Some(map) = map {
            super::agents::check_metadata(field, map)?;
        }
    }
    Ok(())
}

/// Checks everything about the request and returns the call to insert (status `queued`).
/// The wallet and queue checks need a transaction and happen at insert time.
pub(crate) async fn prepare(state: &AppState, caller: &Caller, input: CreateCall) -> ApiResult<Call> {
    let to = destination(&input, caller.mode())?;
    let agent = agent(state, caller, &input).await?;
    if dnc::is_listed(&state.store, &caller.tenant, &to).await? {
        return Err(error(StatusCode::FORBIDDEN, "do_not_call", "The phone number is on your Do Not Call list")
            .with_param("to"));
    }
    let number = caller_id(state, caller, &input, &agent).await?;
    let contact = contact(state, caller, &input, &to).await?;
    check_texts(&input)?;
    super::webhooks::check_webhook_url(state, "webhook_url", input.webhook_url.as_deref()).await?;
    if let Some(analysis) = &input.analysis {
        super::analysis::check(state, analysis).await?;
    }
    let max_duration_secs =
        bounded("max_duration", input.max_duration, agent.max_duration_secs, 10..=14_400, " seconds")?;
    let ring_timeout_secs = bounded(
        "ring_timeout",
        input.ring_timeout,
        state.config.engine.calls.default_ring_timeout_secs,
        5..=120,
        " seconds",
    )?;
    let now = Timestamp::now();
    let start_at = match &input.start_at {
        Some(text) => Timestamp::parse(text)
            .map_err(|e| ApiError::validation(format!("start_at: {e}")).with_param("start_at"))?
            .max(now),
        None => now,
    };
    let business = record::get::<Business>(&state.store, &caller.tenant, agent.business_id.as_str()).await?;
    let vars = variables(&input, contact.as_ref(), &business, now);
    let instructions_field = if input.system_prompt.is_some() { "system_prompt" } else { "instructions" };
    let instructions =
        render(instructions_field, input.system_prompt.as_deref().unwrap_or(&agent.instructions), &vars)?;
    let first_message = input
        .first_message
        .as_deref()
        .or(agent.first_message.as_deref())
        .map(|m| render("first_message", m, &vars))
        .transpose()?;
    let voicemail = agent.voicemail.as_ref().map(|v| render_voicemail(v, &vars)).transpose()?;
    let mode = caller.mode();
    let sandbox = sandbox_script(input.sandbox, mode)?;
    let carrier = if mode == ApiKeyMode::Test { CarrierKind::Sandbox } else { number.carrier };
    let new = NewCall {
        account_id: caller.account_id().clone(),
        business_id: agent.business_id.clone(),
        agent_id: agent.id.clone(),
        agent_name: agent.name.clone(),
        assistant_id: agent.assistant_id.clone(),
        direction: Direction::Outbound,
        mode,
        carrier,
        carrier_call_id: None,
        from_number: number.phone_number.clone(),
        from_number_id: number.id.clone(),
        to_number: to,
        contact_id: contact.map(|c| c.id),
        name: input.name,
        context: input.context,
        variables: input.variables.unwrap_or_default(),
        metadata: input.metadata.unwrap_or_default(),
        instructions,
        first_message,
        voice: input.voice.or(agent.voice),
        sandbox,
        voicemail,
        analysis_settings: input.analysis,
        webhook_url: input.webhook_url,
        agent_webhook_url: agent.webhook_url,
        max_duration_secs,
        ring_timeout_secs,
        start_at,
    };
    let mut call = Call::queued_at(new, now);
    if let Some(format) = input.webhook_format {
        call.webhook_format = format;
    }
    Ok(call)
}
