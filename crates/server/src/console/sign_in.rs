//! Signing a browser in and out. The sign-in form takes an API key or the admin token; the
//! session it opens acts as that credential and is kept in an HttpOnly, SameSite=Strict cookie.
//! The form itself is protected by a double-submit token (a cookie that must match a hidden
//! field), so another site cannot sign a browser into an account of its choosing.

use super::assets;
use crate::AppState;
use crate::api::auth::{Credential, resolve};
use crate::api::client_ip;
use crate::api::error::ApiError;
use crate::api::session::{self, COOKIE, LIFETIME_SECS};
use agentline_domain::Timestamp;
use agentline_domain::secret::GeneratedSecret;
use agentline_store::console_sessions::{self, ConsoleSession};
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq as _;

/// The cookie that carries the sign-in form's double-submit token.
const FORM_COOKIE: &str = "agentline_sign_in";

#[derive(Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    form_token: String,
}

#[derive(Deserialize)]
pub(super) struct SignOutForm {
    #[serde(default)]
    csrf_token: String,
}

/// The request's client address, as the API sees it (behind trusted proxies too).
pub(super) fn client_of(state: &AppState, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
    let trusted = client_ip::parse_proxies(&state.config.trusted_proxies).unwrap_or_default();
    client_ip::client_ip(peer, headers, &trusted)
}

/// The sign-in page, with a fresh form token.
pub(super) async fn form() -> Response {
    render_form(None)
}

fn render_form(error: Option<&str>) -> Response {
    let token = GeneratedSecret::generate("").value.expose().to_owned();
    let mut response = assets::page(&assets::sign_in_page(&token, error));
    set_cookie(
        &mut response,
        &format!("{FORM_COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=3600"),
    );
    response
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let expected = session::cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.form_token.as_bytes())) {
        return render_form(Some("The form expired; please sign in again."));
    }
    let client = client_of(&state, &headers, peer.ip());
    let caller = match resolve(&state, form.api_key.trim(), client).await {
        Ok(caller) => caller,
        Err(err) if err.status == StatusCode::UNAUTHORIZED || err.status == StatusCode::FORBIDDEN => {
            return render_form(Some("That key is not valid, revoked, expired, or not usable from here."));
        }
        Err(err) => return err.into_response(),
    };
    let token = GeneratedSecret::generate("al_session_");
    let now = Timestamp::now();
    let opened = ConsoleSession {
        token_hash: token.hash,
        account_id: caller.tenant.account_id.clone(),
        key_id: match caller.credential {
            Credential::Key { id, .. } => Some(id),
            Credential::Admin => None,
        },
        csrf_token: GeneratedSecret::generate("").value.expose().to_owned(),
        expires_at: now.plus_seconds(LIFETIME_SECS),
        created_at: now,
    };
    if let Err(err) = console_sessions::open(&state.store, &opened).await {
        return ApiError::from(err).into_response();
    }
    let secure = if served_over_https(&state, &headers, peer.ip()) { "; Secure" } else { "" };
    let mut response = Redirect::to("/console").into_response();
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={LIFETIME_SECS}{secure}",
        token.value.expose()
    );
    set_cookie(&mut response, &cookie);
    set_cookie(&mut response, &format!("{FORM_COOKIE}=; Path=/console; Max-Age=0"));
    response
}

/// Ends the session. The form must carry the session's CSRF token, so that another site cannot
/// sign the operator out.
pub(super) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    let session = match session::of_request(&state, &headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Redirect::to("/console/sign-in").into_response(),
        Err(err) => return err.into_response(),
    };
    if !bool::from(session.csrf_token.as_bytes().ct_eq(form.csrf_token.as_bytes())) {
        return ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "Sign-out needs the session's CSRF token")
            .into_response();
    }
    if let Err(err) = console_sessions::close(&state.store, &session.token_hash).await {
        return ApiError::from(err).into_response();
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    set_cookie(&mut response, &format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    response
}

/// HTTPS reaches agentline only through a proxy (it serves plain HTTP), so only a trusted
/// proxy's `X-Forwarded-Proto` can say so; then the cookie is marked `Secure`.
fn served_over_https(state: &AppState, headers: &HeaderMap, peer: IpAddr) -> bool {
    let trusted = client_ip::parse_proxies(&state.config.trusted_proxies).unwrap_or_default();
    trusted.iter().any(|net| net.contains(&peer))
        && headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
