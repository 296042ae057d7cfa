//! KrosAI (seed 001): `https://api.krosai.com` becomes `$AL/krosai`. Outbound calls only;
//! KrosAI has no `queued` status and UPPERCASE error codes, some with other statuses.

use super::errors::{Failure, nested};
use super::upstream::{Ctx, Reply, segment};
use crate::AppState;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_call)).routes(routes!(get_call))
}

/// agentline codes KrosAI names otherwise, with the status KrosAI gives them (if another).
const CODES: [(&str, &str, Option<u16>); 4] = [
    ("agent_not_found", "ENDPOINT_NOT_FOUND", None),
    ("insufficient_funds", "INSUFFICIENT_BALANCE", Some(400)),
    ("concurrency_limit_exceeded", "RATE_LIMIT_EXCEEDED", None),
    ("missing_agent_id", "MISSING_ENDPOINT_ID", None),
];

pub(super) fn render(failure: Failure) -> (StatusCode, Value) {
    let known = CODES.iter().find(|(ours, _, _)| *ours == failure.code);
    let code = known.map_or_else(|| failure.code.to_uppercase(), |(_, theirs, _)| (*theirs).to_owned());
    let status = known.and_then(|(_, _, s)| *s).and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(failure.status);
    (status, nested(&code, failure))
}

/// KrosAI's lifecycle starts at `initiated` and ends in `failed` when agentline says `canceled`.
const STATUSES: [(&str, &str); 2] = [("queued", "initiated"), ("canceled", "failed")];

fn call(mut view: Value) -> Value {
    let ours = view["status"].as_str().unwrap_or_default();
    if let Some((_, theirs)) = STATUSES.iter().find(|(o, _)| *o == ours) {
        view["status"] = Value::String((*theirs).to_owned());
    }
    view
}

/// Initiate an outbound call: `from_number`, `to_number`, `endpoint_id` (an agent's
/// `assistant_id`, such as `ep_abc123`), `metadata`, `webhook_url`, `max_duration`.
#[utoipa::path(post, path = "/krosai/v1/outbound-calls", tag = "krosai",
    responses((status = 201, description = "The call, `status: initiated`")), security(("api_key" = [])))]
async fn create_call(ctx: Ctx) -> Reply {
    ctx.pass(Method::POST, "/v1/calls").await.map(call)
}

/// An outbound call's state.
#[utoipa::path(get, path = "/krosai/v1/outbound-calls/{id}", tag = "krosai", params(("id" = String, Path)),
    responses((status = 200, description = "The call")), security(("api_key" = [])))]
async fn get_call(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.get(&format!("/v1/calls/{}", segment(&id))).await.map(call)
}
