//! AgentPhone (seed 003): `https://api.agentphone.ai` becomes `$AL/agentphone`. Requests
//! are camelCase (`agentId`, `toNumber`, …, aliases `/v1` accepts), calls are shown in
//! AgentPhone's camelCase call object, lists as `{data, hasMore, total}` paged by
//! `limit`/`offset`, and invalid input is a 422.

use super::errors::{Failure, nested};
use super::upstream::{Ctx, Reply, query_string, segment};
use crate::AppState;
use crate::api::error::ApiError;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_call, list_calls))
        .routes(routes!(get_call))
        .routes(routes!(end_call))
        .routes(routes!(recording))
        .routes(routes!(transcript))
        .routes(routes!(transcript_stream))
        .routes(routes!(number_calls))
}

/// Invalid input is 422 (FastAPI's `detail` list beside agentline's error object).
pub(super) fn render(failure: Failure) -> (StatusCode, Value) {
    if failure.status != StatusCode::BAD_REQUEST {
        let code = failure.code.clone();
        return (failure.status, nested(&code, failure));
    }
    let field = failure.details.get("param").and_then(Value::as_str).unwrap_or_default().to_owned();
    let detail = json!([{"loc": ["body", field], "msg": failure.message, "type": failure.code}]);
    let code = failure.code.clone();
    let mut body = nested(&code, failure);
    body["detail"] = detail;
    (StatusCode::UNPROCESSABLE_ENTITY, body)
}

/// Status names as AgentPhone writes them.
const STATUSES: [(&str, &str); 2] = [("in_progress", "in-progress"), ("no_answer", "no-answer")];

/// `(AgentPhone field, agentline field)`.
const FIELDS: [(&str, &str); 12] = [
    ("id", "id"),
    ("agentId", "agent_id"),
    ("phoneNumberId", "from_number_id"),
    ("phoneNumber", "from"),
    ("fromNumber", "from"),
    ("toNumber", "to"),
    ("direction", "direction"),
    ("status", "status"),
    ("startedAt", "answered_at"),
    ("endedAt", "ended_at"),
    ("durationSeconds", "duration"),
    ("createdAt", "created_at"),
];

fn call(view: Value) -> Value {
    let mut out: Map<String, Value> = FIELDS
        .iter()
        .map(|(theirs, ours)| ((*theirs).to_owned(), view.get(*ours).cloned().unwrap_or(Value::Null)))
        .collect();
    let status = view["status"].as_str().unwrap_or_default();
    if let Some((_, theirs)) = STATUSES.iter().find(|(ours, _)| *ours == status) {
        out.insert("status".to_owned(), Value::String((*theirs).to_owned()));
    }
    out.insert("lastTranscriptSnippet".to_owned(), Value::Null);
    Value::Object(out)
}

/// `{data, hasMore, total}`.
fn listed(list: Value) -> Value {
    let data: Vec<Value> = list["data"].as_array().into_iter().flatten().cloned().map(call).collect();
    json!({"data": data, "hasMore": list["has_more"], "total": list["count"]})
}

/// AgentPhone pages by `offset`; agentline by page number, so the offset must fall on a page.
fn paged(ctx: &Ctx, path: &str) -> Result<String, ApiError> {
    let number = |name: &str, default: u32| {
        ctx.req.param(name).map_or(Ok(default), |v| {
            v.parse::<u32>()
                .map_err(|_| ApiError::validation(format!("{name}: must be a whole number")).with_param(name))
        })
    };
    let (limit, offset) = (number("limit", 20)?, number("offset", 0)?);
    if limit == 0 || offset % limit != 0 {
        return Err(ApiError::validation("offset: must be a multiple of limit").with_param("offset"));
    }
    let page = offset / limit + 1;
    Ok(format!("{path}{}", query_string([("limit", Some(limit.to_string())), ("page", Some(page.to_string()))])))
}

fn call_path(id: &str, tail: &str) -> String {
    format!("/v1/calls/{}{tail}", segment(id))
}

/// Create an outbound call: `agentId`, `toNumber`, optional `fromNumberId`,
/// `initialGreeting`, `voice`, `systemPrompt`, `variables`.
#[utoipa::path(post, path = "/agentphone/v1/calls", tag = "agentphone",
    responses((status = 201, description = "The call"), (status = 422, description = "Invalid input")),
    security(("api_key" = [])))]
async fn create_call(ctx: Ctx) -> Reply {
    // AgentPhone marks every optional field nullable; `/v1` reads `null` as absent already.
    ctx.pass(Method::POST, "/v1/calls").await.map(call)
}

/// List calls, newest first (`limit` ≤ 100, default 20; `offset`).
#[utoipa::path(get, path = "/agentphone/v1/calls", tag = "agentphone",
    params(("limit" = Option<u32>, Query), ("offset" = Option<u32>, Query)),
    responses((status = 200, description = "`{data, hasMore, total}`")), security(("api_key" = [])))]
async fn list_calls(ctx: Ctx) -> Result<Reply, ApiError> {
    Ok(ctx.get(&paged(&ctx, "/v1/calls")?).await.map(listed))
}

/// Get a call.
#[utoipa::path(get, path = "/agentphone/v1/calls/{call_id}", tag = "agentphone", params(("call_id" = String, Path)),
    responses((status = 200, description = "The call")), security(("api_key" = [])))]
async fn get_call(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.get(&call_path(&id, "")).await.map(call)
}

/// End a call.
#[utoipa::path(post, path = "/agentphone/v1/calls/{call_id}/end", tag = "agentphone", params(("call_id" = String, Path)),
    responses((status = 200, description = "The call")), security(("api_key" = [])))]
async fn end_call(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.send(Method::POST, &call_path(&id, "/end"), Default::default()).await.map(call)
}

/// The call's recording (audio).
#[utoipa::path(get, path = "/agentphone/v1/calls/{call_id}/recording", tag = "agentphone", params(("call_id" = String, Path)),
    responses((status = 200, description = "audio/wav")), security(("api_key" = [])))]
async fn recording(Path(id): Path<String>, ctx: Ctx) -> Response {
    ctx.stream(&call_path(&id, "/recording")).await
}

/// The call's transcript.
#[utoipa::path(get, path = "/agentphone/v1/calls/{call_id}/transcript", tag = "agentphone", params(("call_id" = String, Path)),
    responses((status = 200, description = "The transcript turns")), security(("api_key" = [])))]
async fn transcript(Path(id): Path<String>, ctx: Ctx) -> Response {
    ctx.stream(&call_path(&id, "/transcript")).await
}

/// The transcript as it happens (Server-Sent Events).
#[utoipa::path(get, path = "/agentphone/v1/calls/{call_id}/transcript/stream", tag = "agentphone", params(("call_id" = String, Path)),
    responses((status = 200, description = "text/event-stream")), security(("api_key" = [])))]
async fn transcript_stream(Path(id): Path<String>, ctx: Ctx) -> Response {
    ctx.stream(&call_path(&id, "/transcript/stream")).await
}

/// Calls on one of your numbers.
#[utoipa::path(get, path = "/agentphone/v1/numbers/{number_id}/calls", tag = "agentphone", params(("number_id" = String, Path)),
    responses((status = 200, description = "`{data, hasMore, total}`")), security(("api_key" = [])))]
async fn number_calls(Path(id): Path<String>, ctx: Ctx) -> Result<Reply, ApiError> {
    let path = format!("/v1/numbers/{}/calls", segment(&id));
    Ok(ctx.get(&paged(&ctx, &path)?).await.map(listed))
}
