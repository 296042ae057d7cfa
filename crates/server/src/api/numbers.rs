//! `/v1/numbers`: the phone numbers an account calls from.

use super::auth::{Authorized, Caller, NumbersRead, NumbersWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy::{self, resolve_business};
use crate::AppState;
use agentline_domain::validate::{FieldError, text};
use agentline_domain::{AgentId, BusinessId, CarrierKind, NumberId, PhoneNumber, Timestamp, TrunkId};
use agentline_store::agents::Agent;
use agentline_store::numbers::Number;
use agentline_store::record::{self, Filter};
use agentline_store::trunks::Trunk;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_number, list_numbers)).routes(routes!(
        get_number,
        update_number,
        delete_number
    ))
}

/// Fields of a phone number. `phone_number` is required on create and fixed afterwards.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberInput {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub label: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub outbound_enabled: Option<bool>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub inbound_enabled: Option<bool>,
    /// The agent that calls from and answers this number; `null` unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<Option<AgentId>>,
    /// `sandbox` (default), `sip` (needs `trunk_id`) or `twilio` (needs `PUT /v1/carriers/twilio`).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub carrier: Option<String>,
    /// The SIP trunk calls from this number leave through, for the `sip` carrier.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub trunk_id: Option<Option<TrunkId>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub business_id: Option<BusinessId>,
}

impl NumberInput {
    async fn apply(self, state: &AppState, caller: &Caller, number: &mut Number) -> ApiResult<()> {
        if let Some(label) = self.label {
            number.label = label.as_deref().map(|l| text("label", l, 100)).transpose()?;
        }
        if let Some(enabled) = self.outbound_enabled {
            number.outbound_enabled = enabled;
        }
        if let Some(enabled) = self.inbound_enabled {
            number.inbound_enabled = enabled;
        }
        if let Some(carrier) = self.carrier {
            number.carrier = carrier.parse().map_err(|_| {
                let available: Vec<_> = CarrierKind::ALL.iter().map(|kind| kind.as_str()).collect();
                FieldError::new("carrier", format!("unknown carrier `{carrier}`; available: {}", available.join(", ")))
            })?;
        }
        if let Some(agent_id) = self.agent_id {
            if let Some(agent_id) = &agent_id {
                let agent: Agent =
                    referenced(state, caller, agent_id.as_str(), "agent_id", "agent_not_found", "Agent").await?;
                if agent.business_id != number.business_id {
                    return Err(
                        FieldError::new("agent_id", "the agent belongs to another business than the number").into()
                    );
                }
            }
            number.agent_id = agent_id;
        }
        if let Some(trunk_id) = self.trunk_id {
            if let Some(trunk_id) = &trunk_id {
                let _: Trunk =
                    referenced(state, caller, trunk_id.as_str(), "trunk_id", "trunk_not_found", "SIP trunk").await?;
            }
            number.trunk_id = trunk_id.map(|t| t.to_string());
        }
        match (number.carrier, &number.trunk_id) {
            (CarrierKind::Sip, None) => Err(FieldError::new("trunk_id", "is required for the sip carrier").into()),
            (CarrierKind::Sip, Some(_)) => Ok(()),
            (_, Some(_)) => Err(FieldError::new("trunk_id", "is only used by the sip carrier").into()),
            _ => Ok(()),
        }
    }
}

/// The caller's resource named by the request field `param`, or 404 `code` pointing at that field.
async fn referenced<R: agentline_store::Record>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    param: &'static str,
    code: &'static str,
    what: &str,
) -> ApiResult<R> {
    record::get::<R>(&state.store, &caller.tenant, id)
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, code, format!("{what} not found")).with_param(param))
}

/// Filters for listing numbers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NumberFilters {
    pub agent_id: Option<String>,
    pub phone_number: Option<String>,
    pub business_id: Option<String>,
    pub trunk_id: Option<String>,
}

/// Add a phone number you own.
#[utoipa::path(post, path = "/v1/numbers", tag = "numbers", request_body = NumberInput,
    responses((status = 201, body = Number), ApiErrorDoc), security(("api_key" = [])))]
async fn create_number(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiJson(mut input): ApiJson<NumberInput>,
) -> ApiResult<(StatusCode, Json<Number>)> {
    let raw = input
        .phone_number
        .take()
        .ok_or_else(|| ApiError::validation("phone_number: is required").with_param("phone_number"))?;
    let phone_number = PhoneNumber::parse(&raw)
        .map_err(|e| ApiError::validation(format!("phone_number: {e}")).with_param("phone_number"))?;
    let business_id = resolve_business(&state, &caller, input.business_id.take()).await?;
    let now = Timestamp::now();
    let mut number = Number {
        id: NumberId::generate(),
        account_id: caller.account_id().clone(),
        business_id,
        phone_number,
        label: None,
        outbound_enabled: true,
        inbound_enabled: true,
        agent_id: None,
        carrier: CarrierKind::Sandbox,
        trunk_id: None,
        created_at: now,
        updated_at: now,
    };
    input.apply(&state, &caller, &mut number).await?;
    record::create(&state.store, &number).await.map_err(|e| match e {
        agentline_store::Error::AlreadyExists => {
            ApiError::new(StatusCode::CONFLICT, "already_exists", "This phone number is already registered")
                .with_param("phone_number")
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(number)))
}

/// List phone numbers, newest first.
#[utoipa::path(get, path = "/v1/numbers", tag = "numbers", params(ListParams, NumberFilters),
    responses((status = 200, body = List<Number>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_numbers(
    State(state): State<AppState>,
    caller: Authorized<NumbersRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<NumberFilters>,
) -> ApiResult<Json<List<Number>>> {
    let request = params.to_request(50, 100)?;
    let filter = Filter::new()
        .eq("agent_id", filters.agent_id)
        .eq("phone_number", filters.phone_number)
        .eq("business_id", filters.business_id)
        .eq("trunk_id", filters.trunk_id);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Number> {
    tenancy::find(state, caller, id, "Phone number").await
}

/// Get a phone number.
#[utoipa::path(get, path = "/v1/numbers/{id}", tag = "numbers", params(("id" = String, Path)),
    responses((status = 200, body = Number), ApiErrorDoc), security(("api_key" = [])))]
async fn get_number(
    State(state): State<AppState>,
    caller: Authorized<NumbersRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Number>> {
    Ok(Json(find(&state, &caller, &id).await?))
}

/// Change a phone number's settings.
#[utoipa::path(patch, path = "/v1/numbers/{id}", tag = "numbers", params(("id" = String, Path)), request_body = NumberInput,
    responses((status = 200, body = Number), ApiErrorDoc), security(("api_key" = [])))]
async fn update_number(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<NumberInput>,
) -> ApiResult<Json<Number>> {
    if input.phone_number.is_some() || input.business_id.is_some() {
        return Err(ApiError::validation("phone_number and business_id cannot be changed; add a new number instead"));
    }
    let mut number = find(&state, &caller, &id).await?;
    input.apply(&state, &caller, &mut number).await?;
    number.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &number).await?;
    Ok(Json(number))
}

/// Remove a phone number.
#[utoipa::path(delete, path = "/v1/numbers/{id}", tag = "numbers", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_number(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let number = find(&state, &caller, &id).await?;
    record::delete::<Number>(&state.store, &caller.tenant, number.id.as_str()).await?;
    Ok(Json(Deleted::new(number.id.as_str())))
}
