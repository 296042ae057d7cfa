//! Who is calling: API keys (scoped, per account) and the account's admin token.
//!
//! The `authenticate` middleware runs before every `/v1` handler. It resolves the credential,
//! applies the key's rate limit, runs the handler, and writes the request to the usage log.

use super::error::{ApiError, ApiResult};
use super::rate_limit::RequestClass;
use crate::AppState;
use agentline_domain::scope::{Action, Resource};
use agentline_domain::secret::{api_key_mode_of, hash_secret};
use agentline_domain::{AccountId, ApiKeyMode, KeyId, Scope, ScopeSet, Timestamp, UsageId};
use agentline_store::accounts;
use agentline_store::keys::{self, ApiKey};
use agentline_store::record::Tenant;
use agentline_store::usage::UsageRecord;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;

/// An authenticated caller, available to every `/v1` handler.
#[derive(Clone, Debug)]
pub struct Caller {
    pub tenant: Tenant,
    pub credential: Credential,
}

#[derive(Clone, Debug)]
pub enum Credential {
    /// An API key, limited by its scopes.
    Key { id: KeyId, mode: ApiKeyMode, scopes: ScopeSet },
    /// The account's admin token: every scope, plus key and wallet management.
    Admin,
}

impl Caller {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        match &self.credential {
            Credential::Admin => Ok(()),
            Credential::Key { scopes, .. } if scopes.allows(scope) => Ok(()),
            Credential::Key { .. } => {
                Err(ApiError::permission_denied(format!("This API key lacks the `{scope}` scope")))
            }
        }
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self.credential {
            Credential::Admin => Ok(()),
            Credential::Key { .. } => {
                Err(ApiError::permission_denied("This endpoint needs the account's admin token, not an API key"))
            }
        }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.tenant.account_id
    }

    /// Live keys and the admin token act for real; test keys only ever reach the sandbox.
    pub fn mode(&self) -> ApiKeyMode {
        match &self.credential {
            Credential::Key { mode, .. } => *mode,
            Credential::Admin => ApiKeyMode::Live,
        }
    }

    pub fn key_id(&self) -> Option<&KeyId> {
        match &self.credential {
            Credential::Key { id, .. } => Some(id),
            Credential::Admin => None,
        }
    }

    fn rate_limit_key(&self) -> String {
        self.key_id().map_or_else(|| format!("admin:{}", self.tenant.account_id), ToString::to_string)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Self>().cloned().ok_or_else(missing_credential)
    }
}

/// A permission an endpoint needs, checked when the request is extracted (before its body is read).
pub trait Permission {
    fn check(caller: &Caller) -> ApiResult<()>;
}

/// The caller, once it has passed `P`'s check. Derefs to [`Caller`].
pub struct Authorized<P> {
    caller: Caller,
    permission: PhantomData<P>,
}

impl<P> Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        P::check(&caller)?;
        Ok(Self { caller, permission: PhantomData })
    }
}

macro_rules! scope_permission {
    ($($name:ident => $resource:ident $action:ident),* $(,)?) => {$(
        #[doc = concat!("Needs the `", stringify!($resource), ":", stringify!($action), "` scope (lowercase).")]
        pub struct $name;
        impl Permission for $name {
            fn check(caller: &Caller) -> ApiResult<()> {
                caller.require(Scope::new(Resource::$resource, Action::$action))
            }
        }
    )*};
}

scope_permission!(
    AgentsRead => Agents Read,
    AgentsWrite => Agents Write,
    NumbersRead => Numbers Read,
    NumbersWrite => Numbers Write,
    ContactsRead => Contacts Read,
    ContactsWrite => Contacts Write,
    CallsRead => Calls Read,
    CallsWrite => Calls Write,
    BillingRead => Billing Read,
    WebhooksRead => Webhooks Read,
    WebhooksWrite => Webhooks Write,
);

/// Needs the account's admin token.
pub struct Admin;

impl Permission for Admin {
    fn check(caller: &Caller) -> ApiResult<()> {
        caller.require_admin()
    }
}

fn missing_credential() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "authentication_required",
        "No API key was provided; send `Authorization: Bearer <key>` or `x-api-key: <key>`",
    )
}

pub(crate) fn invalid_key(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_key", format!("The API key is {why}"))
}

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

/// The caller a usable key stands for.
pub(crate) fn key_caller(key: ApiKey) -> ApiResult<Caller> {
    let scopes = ScopeSet::parse(&key.scopes).map_err(|e| ApiError::internal(&e))?;
    Ok(Caller {
        tenant: Tenant { account_id: key.account_id, business_id: key.business_id },
        credential: Credential::Key { id: key.id, mode: key.mode, scopes },
    })
}

pub(crate) fn check_key_usable(key: &ApiKey, peer: IpAddr) -> ApiResult<()> {
    if key.revoked_at.is_some() {
        return Err(invalid_key("revoked"));
    }
    if !key.is_active(Timestamp::now()) {
        return Err(invalid_key("expired"));
    }
    let allowed = key.ip_allowlist.is_empty()
        || key.ip_allowlist.iter().filter_map(|net| net.parse::<ipnet::IpNet>().ok()).any(|net| net.contains(&peer));
    if !allowed {
        return Err(ApiError::permission_denied(format!("This API key may not be used from {peer}")));
    }
    Ok(())
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
