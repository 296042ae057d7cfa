//! The operator console at `/console`: a small page and script, embedded in the binary, that
//! drive the same `/v1` API a client uses. The console holds no data of its own and checks no
//! permission itself; it signs a browser in ([`sign_in`]) and the API does the rest, with the
//! session cookie as the credential (`api::session`), so a key's scopes and its tenant bound the
//! console exactly as they bound the key.

mod assets;
mod sign_in;

use crate::AppState;
use crate::api::error::ApiError;
use crate::api::session;
use agentline_domain::Scope;
use agentline_store::console_sessions::ConsoleSession;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;
use std::net::SocketAddr;

/// The console's routes; none of them sits behind the API's key check.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(shell))
        .route("/console/", get(shell))
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", axum::routing::post(sign_in::sign_out))
        .route("/console/session", get(current_session))
        .route("/console/assets/{file}", get(assets::serve))
}

/// The console page for a signed-in browser; everyone else is sent to sign in.
async fn shell(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session::of_request(&state, &headers).await {
        Ok(Some(_)) => assets::page(assets::SHELL),
        Ok(None) => Redirect::to("/console/sign-in").into_response(),
        Err(err) => err.into_response(),
    }
}

/// What the console's script needs to know about its session.
#[derive(Serialize)]
struct SessionView {
    account_id: String,
    /// `admin` (the account's admin token) or `key`.
    credential: &'static str,
    key_id: Option<String>,
    mode: &'static str,
    /// Every scope the session may use (`calls:read`, …); the console hides what it may not.
    allowed: Vec<String>,
    csrf_token: String,
    expires_at: agentline_domain::Timestamp,
}

async fn current_session(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(session) = session::of_request(&state, &headers).await? else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "session_expired", "Not signed in"));
    };
    let client = sign_in::client_of(&state, &headers, peer.ip());
    let caller = session::acting_as(&state, &session, client).await?;
    Ok(axum::Json(view(&session, &caller)).into_response())
}

fn view(session: &ConsoleSession, caller: &crate::api::auth::Caller) -> SessionView {
    use crate::api::auth::Credential;
    let credential = match caller.credential {
        Credential::Admin => "admin",
        Credential::Key { .. } => "key",
    };
    let allowed = Scope::all().filter(|&scope| caller.require(scope).is_ok()).map(|s| s.to_string()).collect();
    SessionView {
        account_id: session.account_id.to_string(),
        credential,
        key_id: session.key_id.as_ref().map(ToString::to_string),
        mode: caller.mode().as_str(),
        allowed,
        csrf_token: session.csrf_token.clone(),
        expires_at: session.expires_at,
    }
}
