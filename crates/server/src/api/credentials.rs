//! `/v1/credentials/{provider}`: the account's own keys for speech and LLM vendors (`openai`,
//! `deepgram`, `elevenlabs`), which its agents' vendor engines and `llm` brains use before the
//! server's. They are settings of the agents, so the `agents` scopes guard them. The key is
//! write-only: never returned, logged or shown in `Debug`.

use super::auth::{AgentsRead, AgentsWrite, Authorized};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath};
use super::pagination::Deleted;
use crate::AppState;
use agentline_domain::vendor::{Vendor, check_api_key};
use agentline_domain::{SecretString, Timestamp};
use agentline_store::vendors::{self as store, VendorCredentials};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_credentials)).routes(routes!(
        put_credentials,
        get_credentials,
        delete_credentials
    ))
}

/// A vendor key to store. The key is write-only: it is never shown again.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsInput {
    /// The vendor's API key (sent as `Authorization: Bearer` to OpenAI, `Token` to Deepgram,
    /// `xi-api-key` to ElevenLabs).
    #[schema(value_type = String)]
    pub api_key: SecretString,
    /// Where this account's requests go instead of the server's URL: an API root for `openai`
    /// (`https://api.openai.com/v1`, or any compatible server) and `elevenlabs`; the listen
    /// endpoint for `deepgram` (`wss://api.deepgram.com/v1/listen`).
    #[serde(default)]
    pub base_url: Option<String>,
}

impl std::fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsInput").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// The account's vendor credentials, as shown: never the key.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialsList {
    pub data: Vec<VendorCredentials>,
}

/// Checks the input; a `base_url` must also pass the SSRF guard.
async fn check(state: &AppState, provider: Vendor, input: &CredentialsInput) -> ApiResult<()> {
    check_api_key("api_key", input.api_key.expose())?;
    if let Some(url) = &input.base_url {
        provider.check_base_url("base_url", url)?;
        super::webhooks::guard_url(state, "base_url", url).await?;
    }
    Ok(())
}

fn not_found(provider: Vendor) -> ApiError {
    ApiError::not_found(&format!("{} credentials", provider.as_str()))
}

/// Set (or replace) the account's key for a vendor.
#[utoipa::path(put, path = "/v1/credentials/{provider}", tag = "credentials", params(("provider" = Vendor, Path)),
    request_body = CredentialsInput, responses((status = 200, body = VendorCredentials), ApiErrorDoc),
    security(("api_key" = [])))]
async fn put_credentials(
    State(state): State<AppState>,
    caller: Authorized<AgentsWrite>,
    ApiPath(provider): ApiPath<Vendor>,
    ApiJson(input): ApiJson<CredentialsInput>,
) -> ApiResult<Json<VendorCredentials>> {
    check(&state, provider, &input).await?;
    let now = Timestamp::now();
    let old = store::get(&state.store, caller.account_id(), provider).await?;
    let credentials = VendorCredentials {
        account_id: caller.account_id().clone(),
        provider,
        api_key: input.api_key,
        has_api_key: true,
        base_url: input.base_url,
        created_at: old.map_or(now, |old| old.created_at),
        updated_at: now,
    };
    store::put(&state.store, &credentials).await?;
    Ok(Json(credentials))
}

/// The account's credentials for a vendor (without the key).
#[utoipa::path(get, path = "/v1/credentials/{provider}", tag = "credentials", params(("provider" = Vendor, Path)),
    responses((status = 200, body = VendorCredentials), ApiErrorDoc), security(("api_key" = [])))]
async fn get_credentials(
    State(state): State<AppState>,
    caller: Authorized<AgentsRead>,
    ApiPath(provider): ApiPath<Vendor>,
) -> ApiResult<Json<VendorCredentials>> {
    let credentials = store::get(&state.store, caller.account_id(), provider).await?;
    Ok(Json(credentials.ok_or_else(|| not_found(provider))?))
}

/// Every vendor the account has a key for (without the keys).
#[utoipa::path(get, path = "/v1/credentials", tag = "credentials",
    responses((status = 200, body = CredentialsList), ApiErrorDoc), security(("api_key" = [])))]
async fn list_credentials(
    State(state): State<AppState>,
    caller: Authorized<AgentsRead>,
) -> ApiResult<Json<CredentialsList>> {
    Ok(Json(CredentialsList { data: store::list(&state.store, caller.account_id()).await? }))
}

/// Remove the account's key for a vendor; its agents use the server's key again.
#[utoipa::path(delete, path = "/v1/credentials/{provider}", tag = "credentials", params(("provider" = Vendor, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_credentials(
    State(state): State<AppState>,
    caller: Authorized<AgentsWrite>,
    ApiPath(provider): ApiPath<Vendor>,
) -> ApiResult<Json<Deleted>> {
    if !store::delete(&state.store, caller.account_id(), provider).await? {
        return Err(not_found(provider));
    }
    Ok(Json(Deleted::new(provider.as_str())))
}
