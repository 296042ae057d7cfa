//! `/v1/keys`: API key management. Needs the account's admin token; ordinary keys cannot
//! mint or revoke keys.

use super::auth::{Admin, Authorized};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::pagination::{List, ListParams};
use super::tenancy::{self, resolve_business};
use crate::AppState;
use agentline_domain::validate::{self, text};
use agentline_domain::{ApiKeyMode, BusinessId, ScopeSet, Timestamp};
use agentline_store::accounts::new_key;
use agentline_store::keys::{self, ApiKey};
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_key, list_keys)).routes(routes!(get_key, revoke_key))
}

/// A key to create.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    /// Default "Untitled Key".
    pub name: Option<String>,
    /// Default `["agents:read", "numbers:read", "calls:read", "calls:write"]`.
    pub scopes: Option<Vec<String>>,
    /// `live` (default) or `test` (sandbox only, never charged).
    pub mode: Option<ApiKeyMode>,
    /// Confine the key to one business.
    pub business_id: Option<BusinessId>,
    pub expires_at: Option<String>,
    /// Addresses or CIDR blocks the key may be used from.
    pub ip_allowlist: Option<Vec<String>>,
}

/// A key as created: the only time `key` is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The secret. Store it now; it cannot be shown again.
    pub key: String,
    #[serde(flatten)]
    pub api_key: ApiKey,
    pub is_active: bool,
}

/// A key as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    #[serde(flatten)]
    pub api_key: ApiKey,
    pub is_active: bool,
}

impl From<ApiKey> for KeyView {
    fn from(api_key: ApiKey) -> Self {
        let is_active = api_key.is_active(Timestamp::now());
        Self { api_key, is_active }
    }
}

/// Create an API key (admin token only). The secret is in the response once.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = KeyInput,
    responses((status = 201, body = CreatedKey), ApiErrorDoc), security(("admin_token" = [])))]
async fn create_key(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let name = text("name", input.name.as_deref().unwrap_or("Untitled Key"), 200)?;
    let scopes = match &input.scopes {
        Some(list) => {
            ScopeSet::parse(list).map_err(|e| ApiError::validation(format!("scopes: {e}")).with_param("scopes"))?
        }
        None => ScopeSet::default_for_new_key(),
    };
    let now = Timestamp::now();
    let expires_at = input
        .expires_at
        .as_deref()
        .map(Timestamp::parse)
        .transpose()
        .map_err(|e| ApiError::validation(format!("expires_at: {e}")).with_param("expires_at"))?;
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::validation("expires_at: must be in the future").with_param("expires_at"));
    }
    let ip_allowlist = input
        .ip_allowlist
        .unwrap_or_default()
        .iter()
        .map(|n| validate::ip_network(n).map(|n| n.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let business_id = match input.business_id {
        Some(id) => Some(resolve_business(&state, &caller, Some(id)).await?),
        None => None,
    };
    let (mut api_key, secret) =
        new_key(caller.account_id(), name, input.mode.unwrap_or(ApiKeyMode::Live), &scopes, now);
    api_key.business_id = business_id;
    api_key.expires_at = expires_at;
    api_key.ip_allowlist = ip_allowlist;
    record::create(&state.store, &api_key).await?;
    let is_active = api_key.is_active(now);
    Ok((StatusCode::CREATED, Json(CreatedKey { key: secret.expose().to_owned(), api_key, is_active })))
}

/// List the account's API keys (admin token only).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", params(ListParams),
    responses((status = 200, body = List<KeyView>), ApiErrorDoc), security(("admin_token" = [])))]
async fn list_keys(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<KeyView>>> {
    let request = params.to_request(50, 100)?;
    let page = record::list::<ApiKey>(&state.store, &caller.tenant, &Filter::new(), &request).await?;
    Ok(Json(List::new(page, &request).map(KeyView::from)))
}

/// Get one API key (admin token only).
#[utoipa::path(get, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), ApiErrorDoc), security(("admin_token" = [])))]
async fn get_key(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<KeyView>> {
    let key: ApiKey = tenancy::find(&state, &caller, &id, "API key").await?;
    Ok(Json(key.into()))
}

/// Revoke an API key (admin token only). It stops working with the very next request.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), ApiErrorDoc), security(("admin_token" = [])))]
async fn revoke_key(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<KeyView>> {
    keys::revoke(&state.store, &caller.tenant, &id, Timestamp::now()).await.map_err(|e| match e {
        agentline_store::Error::NotFound => ApiError::not_found("API key"),
        other => other.into(),
    })?;
    let key: ApiKey = tenancy::find(&state, &caller, &id, "API key").await?;
    Ok(Json(key.into()))
}
