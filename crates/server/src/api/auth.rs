//! Who is calling: API keys (scoped, per account) and the account's admin token.
//!
//! The `authenticate` middleware runs before every `/v1` handler. It resolves the credential,
//! applies the key's rate limit, runs the handler, and writes the request to the usage log.

// Where handlers have always found them.
pub use super::caller::{
    Admin, AgentsRead, AgentsWrite, Authorized, BillingRead, Caller, CallsRead, CallsWrite, ContactsRead,
    ContactsWrite, Credential, NumbersRead, NumbersWrite, Permission, WebhooksRead, WebhooksWrite,
};

use super::caller::{check_key_usable, invalid_key, key_caller, missing_credential};
use super::error::{ApiError, ApiResult};
use super::rate_limit::RequestClass;
use crate::AppState;
use agentline_domain::secret::{api_key_mode_of, hash_secret};
use agentline_domain::{Timestamp, UsageId};
use agentline_store::accounts;
use agentline_store::keys;
use agentline_store::record::Tenant;
use agentline_store::usage::UsageRecord;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// The presented secret, from `Authorization: Bearer …` or `x-api-key`.
fn presented_secret(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    bearer.or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok())).map(str::trim).filter(|s| !s.is_empty())
}

/// The caller a presented secret (API key or admin token) stands for.
pub(crate) async fn resolve(state: &AppState, secret: &str, peer: IpAddr) -> ApiResult<Caller> {
    if secret.starts_with("al_admin_") {
        let account = accounts::find_by_admin_token_hash(&state.store, &hash_secret(secret)).await?;
        let account = account.ok_or_else(|| invalid_key("not valid"))?;
        return Ok(Caller { tenant: Tenant::account(account.id), credential: Credential::Admin });
    }
    if api_key_mode_of(secret).is_none() {
        return Err(invalid_key("not valid"));
    }
    let key = keys::find_by_hash(&state.store, &hash_secret(secret)).await?.ok_or_else(|| invalid_key("not valid"))?;
    check_key_usable(&key, peer)?;
    // Written at most once a minute per key; the row just read tells whether it is due.
    let now = Timestamp::now();
    if key.last_used_at.is_none_or(|at| at < now.plus_seconds(-60)) {
        keys::touch(&state.store, &key.id, now).await?;
    }
    key_caller(key)
}

/// Who sent `request` (a key, the admin token or a console session), or the error to answer:
/// 401 (429 once the address has failed too often), or 403 for a key used from elsewhere.
pub(crate) async fn identify(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<Caller, ApiError> {
    let trusted = super::client_ip::parse_proxies(&state.config.trusted_proxies).unwrap_or_default();
    let client = super::client_ip::client_ip(peer.ip(), headers, &trusted);
    let resolved = match presented_secret(headers) {
        Some(secret) => resolve(state, secret, client).await,
        None => {
            super::session::caller(state, method, headers, client).await.unwrap_or_else(|| Err(missing_credential()))
        }
    };
    resolved
        .map_err(|err| if err.status == StatusCode::UNAUTHORIZED { throttle_failure(state, client, err) } else { err })
}

/// Authenticates, rate-limits and logs every `/v1` request.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match identify(&state, request.method(), request.headers(), peer).await {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    let method = request.method().clone();
    let endpoint = request.uri().path().to_owned();
    let class = RequestClass::of(&method, &endpoint);
    let response = match state.rate_limiter.check(class, &caller.rate_limit_key()).await {
        Ok(()) => {
            request.extensions_mut().insert(caller.clone());
            next.run(request).await
        }
        Err(retry_after_secs) => {
            let limit = state.rate_limiter.per_minute(class);
            let message = format!(
                "Rate limit of {limit} requests per minute exceeded. Please try again after {retry_after_secs} seconds."
            );
            ApiError::rate_limited(message, retry_after_secs).into_response()
        }
    };
    log_usage(&state, &caller, method.as_str(), endpoint, response.status()).await;
    response
}

/// A failed authentication: its 401, or a 429 once this address has failed too often.
fn throttle_failure(state: &AppState, address: IpAddr, refusal: ApiError) -> ApiError {
    match state.rate_limiter.auth_failure(&address.to_string()) {
        Ok(()) => refusal,
        Err(retry_after_secs) => {
            let limit = state.rate_limiter.auth_failures_per_minute();
            let message = format!(
                "More than {limit} failed authentications a minute from this address. Please try again after {retry_after_secs} seconds."
            );
            ApiError::rate_limited(message, retry_after_secs)
        }
    }
}

async fn log_usage(state: &AppState, caller: &Caller, method: &str, endpoint: String, status: StatusCode) {
    let record = UsageRecord {
        id: UsageId::generate(),
        account_id: caller.tenant.account_id.clone(),
        key_id: caller.key_id().cloned(),
        method: method.to_owned(),
        endpoint,
        status_code: i64::from(status.as_u16()),
        call_id: None,
        cost_cents: 0,
        prompt_tokens: None,
        completion_tokens: None,
        created_at: Timestamp::now(),
    };
    state.usage.record(record).await;
}
