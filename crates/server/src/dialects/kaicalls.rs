//! KaiCalls (seed 002): `https://kaicalls.com/api/v1` becomes `$AL/kaicalls/api/v1`.
//! One path per resource, `?id=` selecting one object; lists under the resource's name;
//! errors keep agentline's nested shape with KaiCalls' seven codes.

use super::errors::{Failure, nested};
use super::shape::{aliased, relisted, with};
use super::upstream::{Ctx, Reply, query_string, segment};
use crate::AppState;
use crate::api::auth::Caller;
use crate::api::billing::{self, Balance, UsageFilters};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::ApiQuery;
use crate::api::pagination::{List, ListParams};
use agentline_domain::AccountId;
use agentline_store::usage::UsageRecord;
use agentline_store::{summary, webhook_format};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agents))
        .routes(routes!(numbers))
        .routes(routes!(create_call, calls))
        .routes(routes!(list_keys, create_key, revoke_key))
        .routes(routes!(balance))
        .routes(routes!(usage))
}

/// `/v1/balance` and `/v1/usage`, for any key: KaiCalls has no billing scope. Reached only
/// through the upstream router, behind `/v1`'s authentication, rate limits and usage log.
const BALANCE: &str = "/dialect/kaicalls/balance";
const USAGE: &str = "/dialect/kaicalls/usage";

pub(super) fn upstream_only() -> Router<AppState> {
    Router::new().route(BALANCE, get(any_key_balance)).route(USAGE, get(any_key_usage))
}

async fn any_key_balance(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Balance>> {
    Ok(Json(billing::balance_of(&state, &caller).await?))
}

async fn any_key_usage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<UsageFilters>,
) -> ApiResult<Json<List<UsageRecord>>> {
    Ok(Json(billing::usage_of(&state, &caller, params, filters).await?))
}

/// KaiCalls' codes, by status; other statuses (402, 409) keep agentline's code.
const CODES: [(u16, &str); 6] = [
    (400, "invalid_request"),
    (401, "unauthorized"),
    (403, "forbidden"),
    (404, "not_found"),
    (422, "invalid_request"),
    (429, "rate_limited"),
];

pub(super) fn render(failure: Failure) -> (StatusCode, Value) {
    let status = failure.status;
    let code = CODES.iter().find(|(s, _)| *s == status.as_u16()).map(|(_, c)| (*c).to_owned());
    let code = code
        .unwrap_or_else(|| if status.is_server_error() { "internal_error".to_owned() } else { failure.code.clone() });
    (status, nested(&code, failure))
}

/// A call as KaiCalls shows it: agentline's view plus its names for the same facts.
fn call(view: Value, origin: &str) -> Value {
    let recording = view["recording_url"].as_str().map_or(Value::Null, |path| Value::String(format!("{origin}{path}")));
    // `quality_dimensions` is kept when the call has been scored, `null` until then.
    let view = aliased(
        view,
        &[("conversation_id", "id"), ("lead_id", "contact_id"), ("quality_dimensions", "quality_dimensions")],
    );
    with(view, &[("recording_url", recording)])
}

/// List agents, or with `?id=` one agent with `vapi_assistant_id` and `phone_number`.
#[utoipa::path(get, path = "/kaicalls/api/v1/agents", tag = "kaicalls", params(("id" = Option<String>, Query)),
    responses((status = 200, description = "`{agents: […]}`, or one agent with `?id=`")), security(("api_key" = [])))]
async fn agents(ctx: Ctx) -> Reply {
    match ctx.req.param("id") {
        Some(id) => agent(&ctx, &id).await,
        None => ctx.get("/v1/agents?limit=100").await.map(|list| relisted(list, "agents", |a| a)),
    }
}

async fn agent(ctx: &Ctx, id: &str) -> Reply {
    let reply = ctx.get(&format!("/v1/agents/{}", segment(id))).await;
    if !reply.is_success() {
        return reply;
    }
    let own = query_string([("agent_id", reply.body["id"].as_str().map(str::to_owned)), ("limit", Some("100".into()))]);
    let numbers = ctx.get(&format!("/v1/numbers{own}")).await;
    // Lists are newest first: the agent's first number is the last one.
    let first =
        numbers.body["data"].as_array().and_then(|n| n.last()).map_or(Value::Null, |n| n["phone_number"].clone());
    reply.map(|a| with(aliased(a, &[("vapi_assistant_id", "assistant_id")]), &[("phone_number", first)]))
}

/// List phone numbers.
#[utoipa::path(get, path = "/kaicalls/api/v1/numbers", tag = "kaicalls",
    responses((status = 200, description = "`{numbers: […]}`")), security(("api_key" = [])))]
async fn numbers(ctx: Ctx) -> Reply {
    ctx.get("/v1/numbers?limit=100").await.map(|list| relisted(list, "numbers", |n| n))
}

/// Make an outbound call.
#[utoipa::path(post, path = "/kaicalls/api/v1/calls", tag = "kaicalls",
    responses((status = 201, description = "The call, with `conversation_id`")), security(("api_key" = [])))]
async fn create_call(ctx: Ctx) -> Reply {
    let origin = ctx.req.origin();
    let body = ctx.req.edited_body(|map| {
        map.entry("webhook_format").or_insert_with(|| Value::String(webhook_format::KAICALLS.to_owned()));
    });
    ctx.send(Method::POST, "/v1/calls", body).await.map(|c| call(c, &origin))
}

/// A well-formed agent id that no agent has.
const NO_AGENT: &str = "agt_00000000000000000000000000000000";

/// List calls (`limit`, `agent_id`, `status`, `after` = the last `created_at`), or with `?id=` one call.
#[utoipa::path(get, path = "/kaicalls/api/v1/calls", tag = "kaicalls",
    params(("id" = Option<String>, Query), ("limit" = Option<u32>, Query), ("agent_id" = Option<String>, Query),
        ("status" = Option<String>, Query), ("after" = Option<String>, Query, description = "created_at of the last result")),
    responses((status = 200, description = "`{calls: […], has_more}`, or one call with `?id=`")), security(("api_key" = [])))]
async fn calls(ctx: Ctx) -> Reply {
    let origin = ctx.req.origin();
    if let Some(id) = ctx.req.param("id") {
        return ctx.get(&format!("/v1/calls/{}", segment(&id))).await.map(|c| call(c, &origin));
    }
    // An agent that does not exist has no calls: the list is still asked of `/v1` (with an id
    // no agent has), so that its paging is checked and shaped like any other.
    let agent = match ctx.req.param("agent_id") {
        Some(key) => Some(agent_id(&ctx, &key).await.unwrap_or_else(|| NO_AGENT.to_owned())),
        None => None,
    };
    // `after` is a `created_at`; an agentline cursor (`call_…`) works too.
    let after = ctx.req.param("after");
    let is_cursor = after.as_deref().is_some_and(|a| a.starts_with("call_"));
    let (cursor, before) = if is_cursor { (after, None) } else { (None, after) };
    let query = query_string([
        ("limit", ctx.req.param("limit")),
        ("status", ctx.req.param("status")),
        ("agent_id", agent),
        ("after", cursor),
        ("created_before", before),
    ]);
    ctx.get(&format!("/v1/calls{query}")).await.map(|list| relisted(list, "calls", |c| call(c, &origin)))
}

/// The agentline id of an agent known by its id or `assistant_id`.
async fn agent_id(ctx: &Ctx, key: &str) -> Option<String> {
    let reply = ctx.get(&format!("/v1/agents/{}", segment(key))).await;
    reply.is_success().then(|| reply.body["id"].as_str().map(str::to_owned)).flatten()
}

/// List API keys (admin token, KaiCalls' session login).
#[utoipa::path(get, path = "/kaicalls/api/v1/keys", tag = "kaicalls",
    responses((status = 200, description = "`{keys: […]}`")), security(("admin_token" = [])))]
async fn list_keys(ctx: Ctx) -> Reply {
    ctx.get("/v1/keys?limit=100").await.map(|list| relisted(list, "keys", |k| k))
}

/// Create a key; the secret is in `key`, once.
#[utoipa::path(post, path = "/kaicalls/api/v1/keys", tag = "kaicalls",
    responses((status = 201, description = "The key, with its secret")), security(("admin_token" = [])))]
async fn create_key(ctx: Ctx) -> Reply {
    ctx.pass(Method::POST, "/v1/keys").await
}

/// Revoke the key `?id=`.
#[utoipa::path(delete, path = "/kaicalls/api/v1/keys", tag = "kaicalls", params(("id" = String, Query)),
    responses((status = 200, description = "`{success: true}`")), security(("admin_token" = [])))]
async fn revoke_key(ctx: Ctx) -> Result<Reply, ApiError> {
    let id = ctx.req.param("id").filter(|id| !id.is_empty());
    let id = id.ok_or_else(|| ApiError::validation("id: is required").with_param("id"))?;
    let reply = ctx.send(Method::DELETE, &format!("/v1/keys/{}", segment(&id)), Default::default()).await;
    Ok(reply.map(|_| json!({"success": true})))
}

/// Usage and subscription status per business.
#[utoipa::path(get, path = "/kaicalls/api/v1/balance", tag = "kaicalls",
    responses((status = 200, description = "`{businesses: [{business_id, minutes_used, phone_numbers, subscription_status}]}`")),
    security(("api_key" = [])))]
async fn balance(State(state): State<AppState>, ctx: Ctx) -> Result<Reply, ApiError> {
    let reply = ctx.get(BALANCE).await;
    if !reply.is_success() {
        return Ok(reply);
    }
    // The account is the one the key authenticated as; its businesses are those the key may see.
    let account =
        AccountId::parse(reply.body["account_id"].as_str().unwrap_or_default()).map_err(|e| ApiError::internal(&e))?;
    let mut rows = Vec::new();
    for business in reply.body["businesses"].as_array().into_iter().flatten() {
        let id = business["id"].as_str().unwrap_or_default();
        let (seconds, phone_numbers) = summary::business_usage(&state.store, &account, id).await?;
        rows.push(json!({"business_id": id, "minutes_used": (seconds + 59) / 60, "phone_numbers": phone_numbers,
            "subscription_status": reply.body["subscription_status"]}));
    }
    Ok(Reply::ok(json!({"businesses": rows})))
}

/// The API usage log (`start`, `end`, `limit`).
#[utoipa::path(get, path = "/kaicalls/api/v1/usage", tag = "kaicalls",
    params(("start" = Option<String>, Query), ("end" = Option<String>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, description = "`{usage: […], has_more}`")), security(("api_key" = [])))]
async fn usage(ctx: Ctx) -> Reply {
    let query = query_string(["start", "end", "limit"].map(|p| (p, ctx.req.param(p))));
    ctx.get(&format!("{USAGE}{query}")).await.map(|list| relisted(list, "usage", |u| u))
}
