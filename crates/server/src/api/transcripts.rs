//! `/v1/calls/{id}/transcript` and `/v1/calls/{id}/recording`: what a call said, and how it
//! sounded.

use super::auth::{Authorized, CallsRead};
use super::error::{ApiError, ApiErrorDoc, ApiResult, ErrorBody};
use super::extract::{ApiPath, ApiQuery};
use super::tenancy;
use crate::AppState;
use agentline_domain::CallId;
use agentline_domain::call::CallStatus;
use agentline_store::calls::Call;
use agentline_store::transcripts::{self, TranscriptTurn};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_transcript)).routes(routes!(get_recording))
}

/// The path of a call's recording, as the API offers it.
pub(crate) fn recording_url(call: &Call) -> Option<String> {
    call.recording.as_ref().map(|_| format!("/v1/calls/{}/recording", call.id))
}

/// How to answer `GET /v1/calls/{id}/transcript`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptParams {
    /// `json` (the default) or `text` (`text/plain`, one `Speaker: text` line per turn). Without
    /// it, `Accept: text/plain` asks for text.
    pub format: Option<String>,
}

/// A call's transcript so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    pub call_id: CallId,
    /// The call's status now: the transcript is complete once the call has ended.
    pub status: CallStatus,
    /// The turns in order.
    pub turns: Vec<TranscriptTurn>,
    /// The turns as plain text: `Agent: …` and `Caller: …` lines, a cut-off turn ending with
    /// ` [interrupted]`.
    pub text: String,
}

fn wants_text(params: &TranscriptParams, headers: &HeaderMap) -> ApiResult<bool> {
    match params.format.as_deref() {
        Some("text") => return Ok(true),
        Some("json") => return Ok(false),
        Some(other) => {
            return Err(ApiError::validation(format!("format: `{other}` is not `json` or `text`")).with_param("format"));
        }
        None => {}
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(accept.contains("text/plain") && !accept.contains("application/json"))
}

/// A call's transcript: its turns so far (while the call runs) or all of them (after).
///
/// JSON by default; `?format=text` or `Accept: text/plain` answers `text/plain`, one line per
/// turn (`Agent: …`, `Caller: …`).
#[utoipa::path(get, path = "/v1/calls/{id}/transcript", tag = "calls", params(("id" = String, Path), TranscriptParams),
    responses((status = 200, description = "The transcript, as JSON or as text",
        content((Transcript = "application/json"), (String = "text/plain"))), ApiErrorDoc),
    security(("api_key" = [])))]
async fn get_transcript(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<TranscriptParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let as_text = wants_text(&params, &headers)?;
    let call: Call = tenancy::find(&state, &caller, &id, "Call").await?;
    let turns = transcripts::turns(&state.store, &caller.tenant, &call.id).await?;
    let text = transcripts::plain_text(&turns);
    if as_text {
        let body = if text.is_empty() { text } else { text + "\n" };
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response());
    }
    Ok(Json(Transcript { call_id: call.id, status: call.status, turns, text }).into_response())
}

fn recording_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "recording_not_found", "This call has no recording")
}

/// The recording's file, if it exists and lies under the data directory.
async fn recording_file(state: &AppState, call: &Call) -> Option<PathBuf> {
    let path = call.recording.as_ref()?.get("path")?.as_str()?;
    let file = tokio::fs::canonicalize(path).await.ok()?;
    let root = tokio::fs::canonicalize(&state.config.engine.data_dir).await.ok()?;
    if !file.starts_with(&root) {
        tracing::warn!(call_id = %call.id, path, "recording outside the data directory; not served");
        return None;
    }
    tokio::fs::metadata(&file).await.ok().filter(std::fs::Metadata::is_file).map(|_| file)
}

/// The call's recording, a WAV file (stereo for SIP calls: the callee left, the agent right).
///
/// Supports `Range` requests (`bytes=a-b`, `bytes=a-`, `bytes=-n`; one range): 206 with
/// `Content-Range`, or 416 `range_not_satisfiable` for a range outside the file.
#[utoipa::path(get, path = "/v1/calls/{id}/recording", tag = "calls",
    params(("id" = String, Path), ("Range" = Option<String>, Header, description = "One byte range, such as `bytes=0-1023`")),
    responses(
        (status = 200, description = "The whole recording", content(("audio/wav"))),
        (status = 206, description = "The part asked for with `Range`, with `Content-Range`", content(("audio/wav"))),
        (status = 416, description = "range_not_satisfiable, with `Content-Range: bytes */SIZE`", body = ErrorBody),
        ApiErrorDoc),
    security(("api_key" = [])))]
async fn get_recording(
    State(state): State<AppState>,
    caller: Authorized<CallsRead>,
    ApiPath(id): ApiPath<String>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let call: Call = tenancy::find(&state, &caller, &id, "Call").await?;
    let file = recording_file(&state, &call).await.ok_or_else(recording_not_found)?;
    let mut request = Request::new(Body::empty());
    *request.method_mut() = method;
    for name in [header::RANGE, header::IF_MODIFIED_SINCE, header::IF_UNMODIFIED_SINCE] {
        if let Some(value) = headers.get(&name) {
            request.headers_mut().insert(name, value.clone());
        }
    }
    let Ok(response) = ServeFile::new(&file).oneshot(request).await;
    let mut response = response.map(Body::new);
    match response.status() {
        StatusCode::NOT_FOUND => return Err(recording_not_found()),
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let range = response.headers().get(header::CONTENT_RANGE).cloned();
            let size = range.as_ref().and_then(|r| r.to_str().ok()).and_then(|r| r.strip_prefix("bytes */"));
            let message = format!(
                "The Range header asks for bytes this recording does not have (it has {} bytes, and one range at most is served)",
                size.unwrap_or("?")
            );
            let mut refused =
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", message).into_response();
            if let Some(range) = range {
                refused.headers_mut().insert(header::CONTENT_RANGE, range);
            }
            return Ok(refused);
        }
        _ => {}
    }
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
        if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{}.wav\"", call.id)) {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
    }
    Ok(response)
}
