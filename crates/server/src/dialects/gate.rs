//! Every dialect request shows a valid credential before its handler runs. The handlers reach
//! `/v1` (which authenticates again) only after their own checks, so without this gate a request
//! with no key could learn from a dialect's validation errors, or from an answer a handler gives
//! without asking `/v1` at all.

use crate::AppState;
use crate::api::auth::identify;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub(super) async fn require_credential(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match identify(&state, request.method(), request.headers(), peer).await {
        Ok(_) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}
