//! The one error shape: `{"error": {"code": "...", "message": "..."}}` with a stable code.

use agentline_domain::validate::FieldError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, when there is one.
    pub param: Option<String>,
    /// Extra machine-readable facts (balance, required rate …), merged into the error object.
    pub details: Map<String, Value>,
    pub retry_after_secs: Option<u64>,
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

/// What went wrong: a stable `code` for programs and a `message` for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorObject {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), param: None, details: Map::new(), retry_after_secs: None }
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Tells the client when to try again (`Retry-After`, seconds).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// 429 `rate_limit_exceeded`, with when to try again.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded", message).with_retry_after(retry_after_secs)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "validation_error", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "permission_denied", message)
    }

    /// A failure of ours: the client learns nothing of the cause, the log learns everything.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "An unexpected server error occurred")
    }

    /// The error a bare status would mean, for responses that reach the client without a body
    /// of ours (unknown routes, wrong methods, layers outside the handlers).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => ("not_found", "No such route"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "This route does not accept that method"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "Send the body as Content-Type: application/json")
            }
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "The request took too long"),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limit_exceeded", "Rate limit exceeded"),
            s if s.is_client_error() => ("bad_request", "The request could not be processed"),
            _ => ("server_error", "An unexpected server error occurred"),
        };
        Self::new(status, code, message)
    }
}

impl From<FieldError> for ApiError {
    fn from(err: FieldError) -> Self {
        Self::validation(err.to_string()).with_param(err.field)
    }
}

impl From<agentline_store::Error> for ApiError {
    fn from(err: agentline_store::Error) -> Self {
        use agentline_store::Error as E;
        match err {
            E::NotFound => Self::not_found("resource"),
            E::AlreadyExists => {
                Self::new(StatusCode::CONFLICT, "already_exists", "A resource with these values already exists")
            }
            E::MissingReference => Self::new(
                StatusCode::CONFLICT,
                "resource_in_use",
                "The resource is referenced by, or references, another",
            ),
            other => Self::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code.to_owned(),
                message: self.message,
                param: self.param,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The error responses most endpoints can give, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, reason = "only describes responses for the OpenAPI document")]
pub enum ApiErrorDoc {
    /// `validation_error` or `invalid_json`.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// `authentication_required` or `invalid_key`.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `permission_denied`.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `not_found` (or a more specific code such as `agent_not_found`).
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// `payload_too_large`: the body is over `body_limit_bytes`.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// `unsupported_media_type`: a body that is not `application/json` (or the documented type).
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// `rate_limit_exceeded`, with a `Retry-After` header.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
}
