//! `/v1/carriers/twilio`: the account's Twilio credentials, which `twilio` numbers call through.
//! Like trunks they are telephony settings of the numbers, so the `numbers` scopes guard them.

use super::auth::{Authorized, NumbersRead, NumbersWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::ApiJson;
use super::pagination::Deleted;
use crate::AppState;
use agentline_domain::validate::FieldError;
use agentline_domain::{SecretString, Timestamp};
use agentline_store::twilio::{self as store, TwilioCredentials};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_twilio, get_twilio, delete_twilio))
}

/// Twilio credentials to store. The auth token is write-only: it is never shown again.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwilioInput {
    /// Your Twilio account SID (`AC` and 32 hex digits).
    pub account_sid: String,
    /// Your Twilio auth token; it signs the requests Twilio sends here, and authenticates ours.
    #[schema(value_type = String)]
    pub auth_token: SecretString,
}

impl std::fmt::Debug for TwilioInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioInput").field("account_sid", &self.account_sid).finish_non_exhaustive()
    }
}

/// The account's Twilio set-up, as shown: never the token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwilioView {
    #[serde(flatten)]
    pub credentials: TwilioCredentials,
    /// Where Twilio must send your numbers' incoming calls (the number's "A call comes in" webhook).
    pub voice_url: Option<String>,
}

fn check(input: &TwilioInput) -> Result<(), FieldError> {
    let sid = &input.account_sid;
    if sid.len() != 34 || !sid.starts_with("AC") || !sid[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FieldError::new("account_sid", "must be AC followed by 32 hexadecimal digits"));
    }
    let token = input.auth_token.expose();
    if !(16..=128).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(FieldError::new("auth_token", "must be 16 to 128 letters and digits"));
    }
    Ok(())
}

fn view(state: &AppState, credentials: TwilioCredentials) -> TwilioView {
    TwilioView { credentials, voice_url: state.config.engine.twilio.callback_url("/twilio/voice") }
}

/// Set (or replace) the account's Twilio credentials.
#[utoipa::path(put, path = "/v1/carriers/twilio", tag = "carriers", request_body = TwilioInput,
    responses((status = 200, body = TwilioView), ApiErrorDoc), security(("api_key" = [])))]
async fn put_twilio(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiJson(input): ApiJson<TwilioInput>,
) -> ApiResult<Json<TwilioView>> {
    check(&input)?;
    let now = Timestamp::now();
    let created_at = store::get(&state.store, caller.account_id()).await?.map_or(now, |old| old.created_at);
    let credentials = TwilioCredentials {
        account_id: caller.account_id().clone(),
        account_sid: input.account_sid,
        auth_token: input.auth_token,
        created_at,
        updated_at: now,
    };
    store::put(&state.store, &credentials).await?;
    Ok(Json(view(&state, credentials)))
}

/// The account's Twilio set-up (without the auth token).
#[utoipa::path(get, path = "/v1/carriers/twilio", tag = "carriers",
    responses((status = 200, body = TwilioView), ApiErrorDoc), security(("api_key" = [])))]
async fn get_twilio(State(state): State<AppState>, caller: Authorized<NumbersRead>) -> ApiResult<Json<TwilioView>> {
    let credentials = store::get(&state.store, caller.account_id())
        .await?
        .ok_or_else(|| ApiError::not_found("Twilio credentials"))?;
    Ok(Json(view(&state, credentials)))
}

/// Remove the account's Twilio credentials; `twilio` numbers can no longer call.
#[utoipa::path(delete, path = "/v1/carriers/twilio", tag = "carriers",
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_twilio(State(state): State<AppState>, caller: Authorized<NumbersWrite>) -> ApiResult<Json<Deleted>> {
    if !store::delete(&state.store, caller.account_id()).await? {
        return Err(ApiError::not_found("Twilio credentials"));
    }
    Ok(Json(Deleted::new("twilio")))
}
