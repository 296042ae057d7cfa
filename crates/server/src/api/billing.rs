//! `/v1/balance` and `/v1/usage`: the wallet, its ledger, and the API usage log.

use super::auth::{Admin, Authorized, BillingRead, Caller};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiQuery};
use super::pagination::{List, ListParams, instant};
use crate::AppState;
use agentline_domain::validate::text;
use agentline_store::record::{self, Filter};
use agentline_store::usage::UsageRecord;
use agentline_store::wallet::{self, LedgerEntry, Movement};
use agentline_store::{accounts, businesses::Business};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_balance))
        .routes(routes!(list_ledger))
        .routes(routes!(add_credit))
        .routes(routes!(list_usage))
}

/// The wallet and plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Balance {
    pub account_id: String,
    pub balance_cents: i64,
    pub currency: String,
    /// Price of one call minute.
    pub rate_cents_per_minute: i64,
    pub plan: String,
    pub concurrency_limit: i64,
    pub phone_numbers: i64,
    pub subscription_status: String,
    pub businesses: Vec<Business>,
}

/// Wallet balance, rate and plan.
#[utoipa::path(get, path = "/v1/balance", tag = "billing",
    responses((status = 200, body = Balance), ApiErrorDoc), security(("api_key" = [])))]
async fn get_balance(State(state): State<AppState>, caller: Authorized<BillingRead>) -> ApiResult<Json<Balance>> {
    Ok(Json(balance_of(&state, &caller).await?))
}

/// The caller's balance, whatever its scopes (the seed dialects decide who may read it).
pub(crate) async fn balance_of(state: &AppState, caller: &Caller) -> ApiResult<Balance> {
    let account = accounts::get(&state.store, caller.account_id()).await?;
    let request = agentline_store::PageRequest { limit: 100, page: None, after: None };
    let filter = Filter::new().eq("id", caller.tenant.business_id.as_ref().map(ToString::to_string));
    let businesses = record::list::<Business>(&state.store, &caller.tenant, &filter, &request).await?.items;
    Ok(Balance {
        account_id: account.id.to_string(),
        balance_cents: account.balance_cents,
        currency: account.currency,
        rate_cents_per_minute: account.rate_cents_per_minute,
        plan: account.plan,
        concurrency_limit: account.concurrency_limit,
        phone_numbers: accounts::number_count(&state.store, &account.id).await?,
        subscription_status: "active".to_owned(),
        businesses,
    })
}

/// The ledger: every movement of the balance, newest first.
#[utoipa::path(get, path = "/v1/balance/ledger", tag = "billing", params(ListParams),
    responses((status = 200, body = List<LedgerEntry>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_ledger(
    State(state): State<AppState>,
    caller: Authorized<BillingRead>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<LedgerEntry>>> {
    let request = params.to_request(50, 100)?;
    let page = record::list(&state.store, &caller.tenant, &Filter::new(), &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Money to add to the wallet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditInput {
    /// Positive cents to add (at most 10,000,000).
    pub amount_cents: i64,
    pub description: Option<String>,
}

/// Add credit to the wallet (admin token only).
#[utoipa::path(post, path = "/v1/balance/credits", tag = "billing", request_body = CreditInput,
    responses((status = 201, body = LedgerEntry), ApiErrorDoc), security(("admin_token" = [])))]
async fn add_credit(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(input): ApiJson<CreditInput>,
) -> ApiResult<(StatusCode, Json<LedgerEntry>)> {
    if !(1..=10_000_000).contains(&input.amount_cents) {
        return Err(ApiError::validation("amount_cents: must be between 1 and 10000000").with_param("amount_cents"));
    }
    let description = input.description.as_deref().map(|d| text("description", d, 500)).transpose()?;
    let movement = Movement { kind: "credit", amount_cents: input.amount_cents, call_id: None, description };
    let entry = wallet::apply_now(&state.store, caller.account_id(), movement).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// The usage log's time window.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageFilters {
    /// ISO 8601 / RFC 3339; entries at or after this instant.
    pub start: Option<String>,
    /// ISO 8601 / RFC 3339; entries before this instant.
    pub end: Option<String>,
}

/// The usage log's paging as the document shows it: as every list's, but up to 500 a page.
/// Only describes the query; [`ListParams`] reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct UsagePaging {
    /// Entries per page (default 100, at most 500).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// 1-based page number; selects page mode, which also reports `count` and `pages`.
    #[param(minimum = 1, maximum = 2147483647)]
    page: Option<u32>,
    /// Cursor: the id of the last entry already seen.
    #[param(pattern = "^[a-z]+_[0-9a-f]{32}$")]
    after: Option<String>,
}

/// The API usage log: one entry per authenticated request, newest first.
#[utoipa::path(get, path = "/v1/usage", tag = "billing", params(UsagePaging, UsageFilters),
    responses((status = 200, body = List<UsageRecord>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_usage(
    State(state): State<AppState>,
    caller: Authorized<BillingRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<UsageFilters>,
) -> ApiResult<Json<List<UsageRecord>>> {
    Ok(Json(usage_of(&state, &caller, params, filters).await?))
}

/// The caller's usage log page, whatever its scopes (the seed dialects decide who may read it).
pub(crate) async fn usage_of(
    state: &AppState,
    caller: &Caller,
    params: ListParams,
    filters: UsageFilters,
) -> ApiResult<List<UsageRecord>> {
    let request = ListParams { limit: Some(params.limit.unwrap_or(100)), ..params }.to_request(100, 500)?;
    // Rows of this node's earlier requests may still be queued: write them before reading.
    state.usage.flush().await;
    // A key confined to one business sees only its own requests, not the whole account's.
    let own_requests = caller.tenant.business_id.as_ref().and(caller.key_id()).map(ToString::to_string);
    let filter = Filter::new()
        .eq("key_id", own_requests)
        .gte("created_at", instant("start", filters.start.as_deref())?)
        .lt("created_at", instant("end", filters.end.as_deref())?);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(List::new(page, &request))
}
