//! `/v1/agents`: create, list, read, update and delete voice agents.

use super::auth::{AgentsRead, AgentsWrite, Authorized, Caller};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy::resolve_business;
use crate::AppState;
use agentline_domain::analysis::AnalysisSettings;
use agentline_domain::brain::{Brain, TOOL_URL};
use agentline_domain::validate::{FieldError, http_url, language_tag, optional_text, text};
use agentline_domain::{AgentId, BusinessId, Timestamp, template};
use agentline_store::agents::{self, Agent};
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_agent, list_agents)).routes(routes!(
        get_agent,
        update_agent,
        delete_agent
    ))
}

/// Fields of an agent. On create, `name` is required; on update, absent fields stay as they are
/// and `null` clears a field that may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The system prompt, with `{{variable}}` placeholders. Also accepted as `model_instructions`.
    #[serde(alias = "model_instructions")]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub instructions: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub first_message: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub voice: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub brain: Option<Brain>,
    /// The agent's own speech engines instead of the server's: a vendor (`deepgram`, `openai`,
    /// `elevenlabs`, using the account's `/v1/credentials` key, else the server's), an offline
    /// engine (`local`, `piper`, `espeak`) or a `stand_in` for tests and benchmarks; `{}` returns
    /// to the server's.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub speech: Option<agentline_domain::speech::AgentSpeech>,
    /// What the agent does when an answering machine picks up an outbound call:
    /// `{"action": "hangup"}` or `{"action": "leave_message", "message": "…"}` (a template like
    /// `first_message`); `null` for nothing special.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<agentline_domain::voicemail::Voicemail>)]
    pub voicemail: Option<Option<agentline_domain::voicemail::Voicemail>>,
    /// What a model works out after each call (summary, quality dimensions, data extracted against
    /// `structured_data_schema`, success against `success_criteria`, sentiment) and which model;
    /// `{}` returns to the defaults (the summary, by the agent's `llm` brain or the server's model).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub analysis: Option<AnalysisSettings>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub webhook_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub max_duration_secs: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub assistant_id: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub metadata: Option<Map<String, Value>>,
    /// Create only: the business the agent belongs to (default: the key's, or the account's first).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub business_id: Option<BusinessId>,
}

fn check_template(field: &'static str, source: &str, max_chars: usize) -> Result<(), FieldError> {
    optional_text(field, source, max_chars)?;
    template::variables_of(source).map(drop).map_err(|e| FieldError::new(field, format!("invalid template: {e}")))
}

pub(crate) fn check_metadata(field: &'static str, map: &Map<String, Value>) -> Result<(), FieldError> {
    let size = serde_json::to_string(map).map_or(usize::MAX, |s| s.len());
    if map.len() > 50 || size > 16 * 1024 {
        return Err(FieldError::new(field, "at most 50 keys and 16 KiB"));
    }
    Ok(())
}

impl AgentInput {
    /// Writes the given fields into `agent`, checking each.
    fn apply(self, agent: &mut Agent) -> Result<(), FieldError> {
        if let Some(name) = self.name {
            agent.name = text("name", &name, 200)?;
        }
        if let Some(instructions) = self.instructions {
            check_template("instructions", &instructions, 32_000)?;
            agent.instructions = instructions;
        }
        if let Some(first_message) = self.first_message {
            first_message.as_deref().map(|m| check_template("first_message", m, 2_000)).transpose()?;
            agent.first_message = first_message;
        }
        if let Some(voice) = self.voice {
            voice.as_deref().map(|v| text("voice", v, 100)).transpose()?;
            agent.voice = voice;
        }
        if let Some(language) = self.language {
            agent.language = language_tag("language", &language)?;
        }
        if let Some(brain) = self.brain {
            brain.validate()?;
            agent.brain = brain;
        }
        if let Some(speech) = self.speech {
            speech.validate()?;
            agent.speech = speech;
        }
        if let Some(voicemail) = self.voicemail {
            voicemail.as_ref().map(agentline_domain::voicemail::Voicemail::validate).transpose()?;
            agent.voicemail = voicemail;
        }
        if let Some(analysis) = self.analysis {
            analysis.validate()?;
            agent.analysis = analysis;
        }
        if let Some(url) = self.webhook_url {
            agent.webhook_url = url.as_deref().map(|u| http_url("webhook_url", u)).transpose()?;
        }
        if let Some(secs) = self.max_duration_secs {
            if !(10..=14_400).contains(&secs) {
                return Err(FieldError::new("max_duration_secs", "must be between 10 and 14400 seconds"));
            }
            agent.max_duration_secs = secs;
        }
        if let Some(assistant_id) = self.assistant_id {
            agent.assistant_id = assistant_id.as_deref().map(|a| text("assistant_id", a, 200)).transpose()?;
        }
        if let Some(metadata) = self.metadata {
            check_metadata("metadata", &metadata)?;
            agent.metadata = metadata;
        }
        Ok(())
    }
}

/// Filters for listing agents.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentFilters {
    pub business_id: Option<String>,
    pub assistant_id: Option<String>,
}

/// Create an agent.
#[utoipa::path(post, path = "/v1/agents", tag = "agents", request_body = AgentInput,
    responses((status = 201, body = Agent), ApiErrorDoc), security(("api_key" = [])))]
async fn create_agent(
    State(state): State<AppState>,
    caller: Authorized<AgentsWrite>,
    ApiJson(mut input): ApiJson<AgentInput>,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    if input.name.is_none() {
        return Err(ApiError::validation("name: is required").with_param("name"));
    }
    let business_id = resolve_business(&state, &caller, input.business_id.take()).await?;
    let now = Timestamp::now();
    let mut agent = Agent {
        id: AgentId::generate(),
        account_id: caller.account_id().clone(),
        business_id,
        name: String::new(),
        instructions: String::new(),
        first_message: None,
        voice: None,
        language: "en-US".to_owned(),
        brain: Brain::default(),
        speech: Default::default(),
        voicemail: None,
        analysis: AnalysisSettings::default(),
        webhook_url: None,
        max_duration_secs: 600,
        assistant_id: None,
        metadata: Map::new(),
        created_at: now,
        updated_at: now,
    };
    input.apply(&mut agent)?;
    guard_urls(&state, &agent).await?;
    record::create(&state.store, &agent).await.map_err(assistant_id_conflict)?;
    Ok((StatusCode::CREATED, Json(agent)))
}

/// The agent's outbound URLs must pass the SSRF guard (the brain's, its tools', the analysis
/// model's), and its analysis schema must be one the server can apply.
async fn guard_urls(state: &AppState, agent: &Agent) -> ApiResult<()> {
    super::webhooks::check_webhook_url(state, "webhook_url", agent.webhook_url.as_deref()).await?;
    for (field, url) in brain_urls(&agent.brain) {
        super::webhooks::check_webhook_url(state, field, Some(url)).await?;
    }
    for (field, url) in agent.speech.base_urls() {
        super::webhooks::check_webhook_url(state, field, Some(url)).await?;
    }
    super::analysis::check(state, &agent.analysis).await
}

/// Every URL a brain sends requests to, with the field that names it.
fn brain_urls(brain: &Brain) -> Vec<(&'static str, &str)> {
    match brain {
        Brain::Webhook { url, .. } => vec![("brain.url", url.as_str())],
        Brain::Llm { base_url, tools, .. } => std::iter::once(("brain.base_url", base_url.as_str()))
            .chain(tools.iter().zip(TOOL_URL).map(|(tool, field)| (field, tool.url.as_str())))
            .collect(),
        Brain::Script { .. } | Brain::StandIn { .. } => Vec::new(),
    }
}

fn assistant_id_conflict(err: agentline_store::Error) -> ApiError {
    match err {
        agentline_store::Error::AlreadyExists => {
            ApiError::new(StatusCode::CONFLICT, "already_exists", "Another agent has this assistant_id")
                .with_param("assistant_id")
        }
        other => other.into(),
    }
}

/// List agents, newest first.
#[utoipa::path(get, path = "/v1/agents", tag = "agents", params(ListParams, AgentFilters),
    responses((status = 200, body = List<Agent>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_agents(
    State(state): State<AppState>,
    caller: Authorized<AgentsRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<AgentFilters>,
) -> ApiResult<Json<List<Agent>>> {
    let request = params.to_request(50, 100)?;
    let filter = Filter::new().eq("business_id", filters.business_id).eq("assistant_id", filters.assistant_id);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Agent> {
    agents::find_by_id_or_assistant_id(&state.store, &caller.tenant, id).await.map_err(|e| match e {
        agentline_store::Error::NotFound => ApiError::new(StatusCode::NOT_FOUND, "agent_not_found", "Agent not found"),
        other => other.into(),
    })
}

/// Get an agent by id or by its `assistant_id`.
#[utoipa::path(get, path = "/v1/agents/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = Agent), ApiErrorDoc), security(("api_key" = [])))]
async fn get_agent(
    State(state): State<AppState>,
    caller: Authorized<AgentsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(find(&state, &caller, &id).await?))
}

/// Change some of an agent's fields.
#[utoipa::path(patch, path = "/v1/agents/{id}", tag = "agents", params(("id" = String, Path)), request_body = AgentInput,
    responses((status = 200, body = Agent), ApiErrorDoc), security(("api_key" = [])))]
async fn update_agent(
    State(state): State<AppState>,
    caller: Authorized<AgentsWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<AgentInput>,
) -> ApiResult<Json<Agent>> {
    if input.business_id.is_some() {
        return Err(ApiError::validation("business_id: cannot be changed").with_param("business_id"));
    }
    let mut agent = find(&state, &caller, &id).await?;
    input.apply(&mut agent)?;
    guard_urls(&state, &agent).await?;
    agent.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &agent).await.map_err(assistant_id_conflict)?;
    Ok(Json(agent))
}

/// Delete an agent. Its phone numbers stay, unassigned.
#[utoipa::path(delete, path = "/v1/agents/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_agent(
    State(state): State<AppState>,
    caller: Authorized<AgentsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let agent = find(&state, &caller, &id).await?;
    record::delete::<Agent>(&state.store, &caller.tenant, agent.id.as_str()).await?;
    Ok(Json(Deleted::new(agent.id.as_str())))
}
