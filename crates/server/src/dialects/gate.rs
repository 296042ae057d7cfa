//! Every dialect request shows a valid credential before its handler runs. The handlers reach
//! `/v1` (which authenticates again) only after their own checks, so without this gate a request
//! with no key could learn from a dialect's validation errors, or from an answer a handler gives
//! without asking `/v1` at all. Then a query parameter given twice is refused, as `/v1` refuses
//! it: a handler reads one value, and which one would be a guess.

use crate::AppState;
use crate::api::auth::identify;
use crate::api::error::ApiError;
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
    if let Err(refusal) = identify(&state, request.method(), request.headers(), peer).await {
        return refusal.into_response();
    }
    if let Some(name) = repeated_parameter(request.uri().query().unwrap_or_default()) {
        let message = format!("the query parameter `{name}` is given more than once");
        return ApiError::validation(message).with_param(name).into_response();
    }
    next.run(request).await
}

/// The first query parameter named more than once.
fn repeated_parameter(query: &str) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .find(|name| !seen.insert(name.clone()))
}

#[cfg(test)]
mod tests {
    use super::repeated_parameter;

    #[test]
    fn a_parameter_given_twice_is_found() {
        assert_eq!(repeated_parameter("limit=&limit=VW%F2"), Some("limit".to_owned()));
        assert_eq!(repeated_parameter("limit=5&agent_id=a&li%6Dit=6"), Some("limit".to_owned()));
        assert_eq!(repeated_parameter("limit=5&agent_id=a"), None);
        assert_eq!(repeated_parameter(""), None);
    }
}
