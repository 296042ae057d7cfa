//! `/v1/webhook-endpoints` and `/v1/webhook-deliveries`: where events go, and what happened
//! to each delivery.

use super::auth::{Admin, Authorized, WebhooksRead, WebhooksWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy;
use crate::AppState;
use agentline_domain::validate::{FieldError, http_url, text};
use agentline_domain::{EndpointId, SecretString, Timestamp};
use agentline_engine::webhooks::guard;
use agentline_store::record::{self, Filter};
use agentline_store::webhook_format;
use agentline_store::webhooks::{self, Attempt, Delivery, Endpoint};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every event type a destination can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "call.queued",
    "call.initiated",
    "call.ringing",
    "call.answered",
    "call.answered_by",
    "call.in_progress",
    "call.dtmf",
    "call.transfer_started",
    "call.transfer_progress",
    "call.transferred",
    "call.transfer_failed",
    "call.transcript",
    "campaign.started",
    "campaign.paused",
    "campaign.resumed",
    "campaign.canceled",
    "campaign.completed",
    "call.conversation",
    "call.completed",
    "call.failed",
    "call.analyzed",
];

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_endpoint, list_endpoints))
        .routes(routes!(get_endpoint, update_endpoint, delete_endpoint))
        .routes(routes!(get_endpoint_secret))
        .routes(routes!(rotate_endpoint_secret))
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(redeliver))
        .routes(routes!(get_account_secret))
}

/// Refuses a webhook URL that is malformed or, with the SSRF guard on, private.
pub(crate) async fn check_webhook_url(state: &AppState, field: &'static str, url: Option<&str>) -> ApiResult<()> {
    let Some(url) = url else { return Ok(()) };
    http_url(field, url)?;
    guard_url(state, field, url).await
}

/// Refuses an outbound URL (already checked for its form) that, with the SSRF guard on, is private.
pub(crate) async fn guard_url(state: &AppState, field: &'static str, url: &str) -> ApiResult<()> {
    guard::check_url(url, state.config.engine.webhook_allow_private).await.map_err(|why| {
        let hint = "outbound URLs may not reach private networks; a server on your own network (a \
                    local LLM) needs `webhook_allow_private = true` (AGENTLINE_WEBHOOK_ALLOW_PRIVATE)";
        FieldError::new(field, format!("the URL {why}: {hint}")).into()
    })
}

/// Fields of an endpoint; `url` is required on create.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Event types to receive; empty or absent means all.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    /// The payload and signature style: `standard` (the default), `klen` or `kaicalls`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub format: Option<String>,
}

/// Refuses a webhook format agentline cannot send.
pub(crate) fn check_format(field: &'static str, format: &str) -> Result<(), FieldError> {
    if webhook_format::FORMATS.contains(&format) {
        return Ok(());
    }
    Err(FieldError::new(field, format!("unknown format `{format}`; known: {}", webhook_format::FORMATS.join(", "))))
}

impl EndpointInput {
    async fn apply(self, state: &AppState, endpoint: &mut Endpoint) -> ApiResult<()> {
        if let Some(url) = self.url {
            check_webhook_url(state, "url", Some(&url)).await?;
            endpoint.url = url;
        }
        if let Some(description) = self.description {
            endpoint.description = description.as_deref().map(|d| text("description", d, 500)).transpose()?;
        }
        if let Some(types) = self.event_types {
            if let Some(unknown) = types.iter().find(|t| !EVENT_TYPES.contains(&t.as_str())) {
                let message = format!("unknown event type `{unknown}`; known: {}", EVENT_TYPES.join(", "));
                return Err(FieldError::new("event_types", message).into());
            }
            endpoint.event_types = types;
        }
        if let Some(enabled) = self.enabled {
            endpoint.enabled = enabled;
        }
        if let Some(format) = self.format {
            check_format("format", &format)?;
            endpoint.format = format;
        }
        Ok(())
    }
}

/// An endpoint as created: the only listing that includes its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// Verifies the `webhook-signature` header (Standard Webhooks).
    pub secret: String,
}

/// Create a webhook endpoint.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", request_body = EndpointInput,
    responses((status = 201, body = CreatedEndpoint), ApiErrorDoc), security(("api_key" = [])))]
async fn create_endpoint(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<(StatusCode, Json<CreatedEndpoint>)> {
    if input.url.is_none() {
        return Err(ApiError::validation("url: is required").with_param("url"));
    }
    let now = Timestamp::now();
    let mut endpoint = Endpoint {
        id: EndpointId::generate(),
        account_id: caller.account_id().clone(),
        url: String::new(),
        description: None,
        event_types: Vec::new(),
        enabled: true,
        format: webhook_format::STANDARD.to_owned(),
        secret: SecretString::new(agentline_domain::webhook::generate_secret()),
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    };
    input.apply(&state, &mut endpoint).await?;
    record::create(&state.store, &endpoint).await?;
    let secret = endpoint.secret.expose().to_owned();
    Ok((StatusCode::CREATED, Json(CreatedEndpoint { endpoint, secret })))
}

/// List webhook endpoints.
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks", params(ListParams),
    responses((status = 200, body = List<Endpoint>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_endpoints(
    State(state): State<AppState>,
    caller: Authorized<WebhooksRead>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<Endpoint>>> {
    let request = params.to_request(50, 100)?;
    let page = record::list(&state.store, &caller.tenant, &Filter::new(), &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Get a webhook endpoint.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = Endpoint), ApiErrorDoc), security(("api_key" = [])))]
async fn get_endpoint(
    State(state): State<AppState>,
    caller: Authorized<WebhooksRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Endpoint>> {
    Ok(Json(tenancy::find(&state, &caller, &id, "Webhook endpoint").await?))
}

/// Change a webhook endpoint.
#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", params(("id" = String, Path)), request_body = EndpointInput,
    responses((status = 200, body = Endpoint), ApiErrorDoc), security(("api_key" = [])))]
async fn update_endpoint(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<Json<Endpoint>> {
    let mut endpoint: Endpoint = tenancy::find(&state, &caller, &id, "Webhook endpoint").await?;
    input.apply(&state, &mut endpoint).await?;
    endpoint.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &endpoint).await?;
    Ok(Json(endpoint))
}

/// Delete a webhook endpoint; its pending deliveries are abandoned.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_endpoint(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let endpoint: Endpoint = tenancy::find(&state, &caller, &id, "Webhook endpoint").await?;
    record::delete::<Endpoint>(&state.store, &caller.tenant, endpoint.id.as_str()).await?;
    webhooks::abandon_for_endpoint(&state.store, &caller.tenant, &endpoint.id, Timestamp::now()).await?;
    Ok(Json(Deleted::new(endpoint.id.as_str())))
}

/// A signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SigningSecret {
    pub secret: String,
    /// After a rotation, the old secret also signs deliveries until this time.
    pub previous_secret_expires_at: Option<Timestamp>,
}

/// Read an endpoint's signing secret.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/secret", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = SigningSecret), ApiErrorDoc), security(("api_key" = [])))]
async fn get_endpoint_secret(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SigningSecret>> {
    let endpoint: Endpoint = tenancy::find(&state, &caller, &id, "Webhook endpoint").await?;
    Ok(Json(SigningSecret {
        secret: endpoint.secret.expose().to_owned(),
        previous_secret_expires_at: endpoint.previous_secret_expires_at,
    }))
}

/// How long the old secret keeps signing after a rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateInput {
    /// Seconds, 0 to 604800 (default 86400).
    pub grace_period_secs: Option<i64>,
}

/// Replace an endpoint's secret. Deliveries carry signatures of both secrets during the grace period.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)), request_body = RotateInput,
    responses((status = 200, body = SigningSecret), ApiErrorDoc), security(("api_key" = [])))]
async fn rotate_endpoint_secret(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RotateInput>,
) -> ApiResult<Json<SigningSecret>> {
    let grace = input.grace_period_secs.unwrap_or(86_400);
    if !(0..=604_800).contains(&grace) {
        return Err(FieldError::new("grace_period_secs", "must be between 0 and 604800").into());
    }
    let mut endpoint: Endpoint = tenancy::find(&state, &caller, &id, "Webhook endpoint").await?;
    let now = Timestamp::now();
    endpoint.previous_secret =
        Some(std::mem::replace(&mut endpoint.secret, SecretString::new(agentline_domain::webhook::generate_secret())));
    endpoint.previous_secret_expires_at = Some(now.plus_seconds(grace));
    endpoint.updated_at = now;
    record::update(&state.store, &caller.tenant, &endpoint).await?;
    Ok(Json(SigningSecret {
        secret: endpoint.secret.expose().to_owned(),
        previous_secret_expires_at: endpoint.previous_secret_expires_at,
    }))
}

/// Filters for the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilters {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub call_id: Option<String>,
    pub endpoint_id: Option<String>,
}

/// The delivery log, newest first.
#[utoipa::path(get, path = "/v1/webhook-deliveries", tag = "webhooks", params(ListParams, DeliveryFilters),
    responses((status = 200, body = List<Delivery>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_deliveries(
    State(state): State<AppState>,
    caller: Authorized<WebhooksRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<DeliveryFilters>,
) -> ApiResult<Json<List<Delivery>>> {
    let request = params.to_request(50, 100)?;
    if let Some(status) = filters.status.as_deref().filter(|s| !matches!(*s, "pending" | "delivered" | "failed")) {
        return Err(
            FieldError::new("status", format!("unknown status `{status}`; use pending, delivered or failed")).into()
        );
    }
    let filter = Filter::new()
        .eq("status", filters.status)
        .eq("event_id", filters.event_id)
        .eq("event_type", filters.event_type)
        .eq("call_id", filters.call_id)
        .eq("endpoint_id", filters.endpoint_id);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// A delivery with every attempt at it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    /// The JSON body sent.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub attempt_log: Vec<Attempt>,
}

/// Get a delivery and its attempts (status, latency, response excerpt).
#[utoipa::path(get, path = "/v1/webhook-deliveries/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = DeliveryDetail), ApiErrorDoc), security(("api_key" = [])))]
async fn get_delivery(
    State(state): State<AppState>,
    caller: Authorized<WebhooksRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DeliveryDetail>> {
    let delivery: Delivery = tenancy::find(&state, &caller, &id, "Webhook delivery").await?;
    let attempt_log = webhooks::attempts(&state.store, &caller.tenant, &delivery.id).await?;
    let payload = serde_json::from_str(&delivery.body).unwrap_or(serde_json::Value::Null);
    Ok(Json(DeliveryDetail { delivery, payload, attempt_log }))
}

/// Send a delivery again now (whatever its status), with the same event id.
#[utoipa::path(post, path = "/v1/webhook-deliveries/{id}/redeliver", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 202, body = Delivery), ApiErrorDoc), security(("api_key" = [])))]
async fn redeliver(
    State(state): State<AppState>,
    caller: Authorized<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    let delivery: Delivery = tenancy::find(&state, &caller, &id, "Webhook delivery").await?;
    webhooks::redeliver(&state.store, &caller.tenant, delivery.id.as_str(), Timestamp::now()).await?;
    state.webhooks.wake();
    Ok((StatusCode::ACCEPTED, Json(tenancy::find(&state, &caller, &id, "Webhook delivery").await?)))
}

/// The account's signing secret for agent and per-call webhook URLs.
#[utoipa::path(get, path = "/v1/webhook-secret", tag = "webhooks",
    responses((status = 200, body = SigningSecret), ApiErrorDoc), security(("admin_token" = [])))]
async fn get_account_secret(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
) -> ApiResult<Json<SigningSecret>> {
    let secret = webhooks::account_secret(&state.store, caller.account_id()).await?;
    Ok(Json(SigningSecret { secret: secret.expose().to_owned(), previous_secret_expires_at: None }))
}
