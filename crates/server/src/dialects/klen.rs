//! Klen AI (seeds 000, 004): `https://api.klen.ai/api/v1` becomes `$AL/klen/api/v1`.
//! Errors are `{"error": "code", "message": "…"}` with agentline's codes and statuses (they
//! are the same); calls add `call_id` and `phone_number`; lists name their array.

use super::errors::Failure;
use super::shape::{aliased, relisted};
use super::upstream::{Ctx, Reply, query_string, segment};
use crate::AppState;
use agentline_store::webhook_format;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_call, list_calls))
        .routes(routes!(get_call))
        .routes(routes!(create_agent, list_agents))
        .routes(routes!(get_agent, put_agent, patch_agent, delete_agent))
        .routes(routes!(create_webhook, list_webhooks))
}

/// Klen's error: the code as a string, the message beside it, any details flattened.
pub(super) fn render(failure: Failure) -> (StatusCode, Value) {
    let mut body = Map::new();
    body.insert("error".to_owned(), Value::String(failure.code));
    body.insert("message".to_owned(), Value::String(failure.message));
    body.extend(failure.details);
    (failure.status, Value::Object(body))
}

fn call(view: Value) -> Value {
    let mut view = aliased(view, &[("call_id", "id"), ("phone_number", "to")]);
    // Klen's agent ids are integers; an agent that carries one as its `assistant_id` shows it.
    let klen_id = view["agent"]["assistant_id"].as_str().and_then(|a| a.parse::<i64>().ok());
    if let Some(id) = klen_id {
        view["agent"]["id"] = Value::from(id);
    }
    view
}

/// Klen lists are paged by number, with totals: page 1 unless asked otherwise.
fn paged(ctx: &Ctx, path: &str) -> String {
    let page = ctx.req.param("page").or_else(|| ctx.req.param("after").is_none().then(|| "1".to_owned()));
    let paging = [("page", page), ("limit", ctx.req.param("limit")), ("after", ctx.req.param("after"))];
    let query = query_string(paging);
    format!("{path}{query}")
}

/// Initiate a call. `contact_id` may be an integer: the contact's `external_id`.
#[utoipa::path(post, path = "/klen/api/v1/calls", tag = "klen",
    responses((status = 201, description = "The call, with `call_id` and `phone_number`")), security(("api_key" = [])))]
async fn create_call(ctx: Ctx) -> Reply {
    let body = ctx.req.edited_body(|map| {
        if let Some(Value::Number(n)) = map.get("contact_id") {
            let id = n.to_string();
            map.insert("contact_id".to_owned(), Value::String(id));
        }
        map.entry("webhook_format").or_insert_with(|| Value::String(webhook_format::KLEN.to_owned()));
    });
    ctx.send(Method::POST, "/v1/calls", body).await.map(call)
}

/// List calls: `{count, page, limit, pages, calls}`.
#[utoipa::path(get, path = "/klen/api/v1/calls", tag = "klen",
    params(("page" = Option<u32>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, description = "`{count, page, limit, pages, calls: […]}`")), security(("api_key" = [])))]
async fn list_calls(ctx: Ctx) -> Reply {
    ctx.get(&paged(&ctx, "/v1/calls")).await.map(|list| relisted(list, "calls", call))
}

/// Get a call.
#[utoipa::path(get, path = "/klen/api/v1/calls/{id}", tag = "klen", params(("id" = String, Path)),
    responses((status = 200, description = "The call")), security(("api_key" = [])))]
async fn get_call(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.get(&format!("/v1/calls/{}", segment(&id))).await.map(call)
}

/// Create an agent: `{name, model_instructions}` and agentline's agent fields.
#[utoipa::path(post, path = "/klen/api/v1/agents", tag = "klen",
    responses((status = 201, description = "The agent")), security(("api_key" = [])))]
async fn create_agent(ctx: Ctx) -> Reply {
    ctx.pass(Method::POST, "/v1/agents").await
}

/// List agents: `{count, page, limit, pages, agents}`.
#[utoipa::path(get, path = "/klen/api/v1/agents", tag = "klen",
    params(("page" = Option<u32>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, description = "`{count, page, limit, pages, agents: […]}`")), security(("api_key" = [])))]
async fn list_agents(ctx: Ctx) -> Reply {
    ctx.get(&paged(&ctx, "/v1/agents")).await.map(|list| relisted(list, "agents", |a| a))
}

fn agent_path(id: &str) -> String {
    format!("/v1/agents/{}", segment(id))
}

/// Get an agent by id or `assistant_id` (a Klen agent id).
#[utoipa::path(get, path = "/klen/api/v1/agents/{id}", tag = "klen", params(("id" = String, Path)),
    responses((status = 200, description = "The agent")), security(("api_key" = [])))]
async fn get_agent(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.get(&agent_path(&id)).await
}

/// Update an agent (PUT and PATCH both change only the fields given).
#[utoipa::path(put, path = "/klen/api/v1/agents/{id}", tag = "klen", params(("id" = String, Path)),
    responses((status = 200, description = "The agent")), security(("api_key" = [])))]
async fn put_agent(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.pass(Method::PATCH, &agent_path(&id)).await
}

/// Update an agent.
#[utoipa::path(patch, path = "/klen/api/v1/agents/{id}", tag = "klen", params(("id" = String, Path)),
    responses((status = 200, description = "The agent")), security(("api_key" = [])))]
async fn patch_agent(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.pass(Method::PATCH, &agent_path(&id)).await
}

/// Delete an agent.
#[utoipa::path(delete, path = "/klen/api/v1/agents/{id}", tag = "klen", params(("id" = String, Path)),
    responses((status = 200, description = "`{id, deleted}`")), security(("api_key" = [])))]
async fn delete_agent(Path(id): Path<String>, ctx: Ctx) -> Reply {
    ctx.pass(Method::DELETE, &agent_path(&id)).await
}

/// Create a webhook endpoint, in Klen's format: `event_type`, Klen's event names and an
/// `x-klen-signature` made with the `secret` this returns.
#[utoipa::path(post, path = "/klen/api/v1/webhooks", tag = "klen",
    responses((status = 201, description = "The endpoint, with its `secret`")), security(("api_key" = [])))]
async fn create_webhook(ctx: Ctx) -> Reply {
    let body = ctx.req.edited_body(|map| {
        map.entry("format").or_insert_with(|| Value::String(webhook_format::KLEN.to_owned()));
    });
    ctx.send(Method::POST, "/v1/webhook-endpoints", body).await
}

/// List webhook endpoints: `{count, page, limit, pages, webhooks}`.
#[utoipa::path(get, path = "/klen/api/v1/webhooks", tag = "klen",
    responses((status = 200, description = "`{…, webhooks: […]}`")), security(("api_key" = [])))]
async fn list_webhooks(ctx: Ctx) -> Reply {
    ctx.get(&paged(&ctx, "/v1/webhook-endpoints")).await.map(|list| relisted(list, "webhooks", |w| w))
}
