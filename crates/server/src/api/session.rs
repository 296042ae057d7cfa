//! A console session as an API credential: the browser sends its HttpOnly session cookie instead
//! of a bearer key. A cookie is sent by the browser on its own, so every write made with one must
//! also carry the session's CSRF token in `x-csrf-token`, which only the console's own scripts can
//! read (from `/console/session`, same origin).

use super::caller::{Caller, Credential, check_key_usable, key_caller};
use super::error::{ApiError, ApiResult};
use crate::AppState;
use agentline_domain::Timestamp;
use agentline_domain::secret::hash_secret;
use agentline_store::console_sessions::{self, ConsoleSession};
use agentline_store::keys::ApiKey;
use agentline_store::record::{self, Tenant};
use axum::http::{HeaderMap, Method, StatusCode};
use std::net::IpAddr;
use subtle::ConstantTimeEq as _;

/// The session cookie's name.
pub const COOKIE: &str = "agentline_session";
/// The header that carries the session's CSRF token on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a sign-in lasts; after that the console asks for the key again.
pub const LIFETIME_SECS: i64 = 8 * 3600;

/// The value of cookie `name`, from any `Cookie` header of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
        .filter(|value| !value.is_empty())
}

/// The live session the request's cookie names, if it names one.
pub async fn of_request(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<ConsoleSession>> {
    let Some(token) = cookie(headers, COOKIE) else { return Ok(None) };
    Ok(console_sessions::find(&state.store, &hash_secret(token), Timestamp::now()).await?)
}

/// The caller a session cookie stands for, `None` when the request has no session cookie.
pub(crate) async fn caller(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    client: IpAddr,
) -> Option<ApiResult<Caller>> {
    cookie(headers, COOKIE)?;
    let session = match of_request(state, headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Some(Err(invalid_session())),
        Err(err) => return Some(Err(err)),
    };
    if let Err(err) = check_csrf(method, headers, &session) {
        return Some(Err(err));
    }
    Some(acting_as(state, &session, client).await)
}

/// The credential the session was opened with, checked again now: a revoked or expired key
/// ends its sessions too.
pub async fn acting_as(state: &AppState, session: &ConsoleSession, client: IpAddr) -> ApiResult<Caller> {
    let tenant = Tenant::account(session.account_id.clone());
    let Some(key_id) = &session.key_id else {
        return Ok(Caller { tenant, credential: Credential::Admin });
    };
    let key = record::get::<ApiKey>(&state.store, &tenant, key_id.as_str()).await.map_err(|_| invalid_session())?;
    check_key_usable(&key, client)?;
    key_caller(key)
}

fn check_csrf(method: &Method, headers: &HeaderMap, session: &ConsoleSession) -> ApiResult<()> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let given = headers.get(CSRF_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if bool::from(given.ct_eq(session.csrf_token.as_bytes())) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        format!("A write made with a console session needs the session's `{CSRF_HEADER}` header"),
    ))
}

fn invalid_session() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "session_expired", "The console session has ended; sign in again")
}
