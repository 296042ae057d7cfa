//! Errors in a dialect's shape. `/v1` (and the dialect's own checks) speak agentline's error;
//! one layer per dialect rewrites every error response on its way out, so that no handler
//! has to remember to, and unknown routes and wrong methods are covered as well.

use crate::api::error::ApiError;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// An agentline error, taken apart.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    /// `param` and extra facts (`balance_cents` …).
    pub(crate) details: Map<String, Value>,
}

/// Turns a failure into the dialect's status and body.
pub(crate) type Render = fn(Failure) -> (StatusCode, Value);

impl Failure {
    fn from_body(status: StatusCode, body: &[u8]) -> Self {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let Value::Object(mut error) = parsed.get("error").cloned().unwrap_or(Value::Null) else {
            return Self::from_api(ApiError::for_status(status));
        };
        let mut text = |key: &str| match error.remove(key) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let (code, message) = (text("code"), text("message"));
        Self { status, code, message, details: error }
    }

    fn from_api(error: ApiError) -> Self {
        let mut details = error.details;
        if let Some(param) = error.param {
            details.insert("param".to_owned(), Value::String(param));
        }
        Self { status: error.status, code: error.code.to_owned(), message: error.message, details }
    }
}

/// The layer's function: reshapes error responses with `render`, keeping `Retry-After` and `Allow`.
pub(crate) async fn reshape(render: Render, response: Response) -> Response {
    if !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let (status, body) = render(Failure::from_body(parts.status, &bytes));
    let mut out = (status, axum::Json(body)).into_response();
    copy_headers(&parts.headers, out.headers_mut());
    out
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = from.get(&name) {
            to.insert(name, value.clone());
        }
    }
}

/// A 404 for paths under a dialect's base that it does not serve.
pub(crate) async fn no_route() -> Response {
    ApiError::for_status(StatusCode::NOT_FOUND).into_response()
}

/// agentline's own nested shape, `{"error": {"code", "message", …}}`, with another code.
pub(crate) fn nested(code: &str, failure: Failure) -> Value {
    let mut error = failure.details;
    error.insert("code".to_owned(), Value::String(code.to_owned()));
    error.insert("message".to_owned(), Value::String(failure.message));
    let mut body = Map::new();
    body.insert("error".to_owned(), Value::Object(error));
    Value::Object(body)
}

/// An empty body, for tests of the layer.
#[cfg(test)]
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(failure: Failure) -> (StatusCode, Value) {
        (failure.status, Value::String(failure.code))
    }

    #[tokio::test]
    async fn bodiless_errors_get_the_code_their_status_means() {
        let out = reshape(code_of, empty(StatusCode::METHOD_NOT_ALLOWED)).await;
        let bytes = axum::body::to_bytes(out.into_body(), 1024).await.unwrap();
        assert_eq!(&bytes[..], b"\"method_not_allowed\"");
    }

    #[tokio::test]
    async fn successes_pass_untouched() {
        let out = reshape(code_of, empty(StatusCode::CREATED)).await;
        assert_eq!(out.status(), StatusCode::CREATED);
        assert!(axum::body::to_bytes(out.into_body(), 1024).await.unwrap().is_empty());
    }
}
