//! Extractors whose rejections speak the API's error shape.

use super::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};

/// A JSON body. Syntax errors are `invalid_json`; wrong types, missing or unknown fields are
/// `validation_error` naming the field.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query-string parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::validation(serde_detail(&e.body_text())),
            JsonRejection::JsonSyntaxError(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("The body is not valid JSON: {}", serde_detail(&e.body_text())),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            other => Self::for_status(other.status()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::validation(format!("Invalid query string: {}", serde_detail(&rejection.body_text())))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::not_found(&format!("resource ({})", rejection.body_text()))
    }
}

/// axum prefixes serde's message with its own sentence; keep the part that names the field.
fn serde_detail(text: &str) -> String {
    text.rsplit_once(": ").map_or(text, |(_, detail)| detail).to_owned()
}

/// For PATCH fields that can be cleared: absent is `None`, `null` is `Some(None)`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
