//! `/v1/dnc`: the account's Do-Not-Call list. Calls to listed numbers are refused.

use super::auth::{Authorized, ContactsRead, ContactsWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy;
use crate::AppState;
use agentline_domain::validate::{FieldError, text};
use agentline_domain::{DncId, PhoneNumber, Timestamp};
use agentline_store::dnc::DncEntry;
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_entry, list_entries)).routes(routes!(get_entry, delete_entry))
}

/// A number to put on the list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DncInput {
    pub phone_number: String,
    pub reason: Option<String>,
}

/// Filters for listing entries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DncFilters {
    pub phone_number: Option<String>,
}

/// Add a number to the Do-Not-Call list.
#[utoipa::path(post, path = "/v1/dnc", tag = "dnc", request_body = DncInput,
    responses((status = 201, body = DncEntry), ApiErrorDoc), security(("api_key" = [])))]
async fn add_entry(
    State(state): State<AppState>,
    caller: Authorized<ContactsWrite>,
    ApiJson(input): ApiJson<DncInput>,
) -> ApiResult<(StatusCode, Json<DncEntry>)> {
    let phone_number =
        PhoneNumber::parse(&input.phone_number).map_err(|e| FieldError::new("phone_number", e.to_string()))?;
    let reason = input.reason.as_deref().map(|r| text("reason", r, 500)).transpose()?;
    let entry = DncEntry {
        id: DncId::generate(),
        account_id: caller.account_id().clone(),
        phone_number,
        reason,
        created_at: Timestamp::now(),
    };
    record::create(&state.store, &entry).await.map_err(|e| match e {
        agentline_store::Error::AlreadyExists => {
            ApiError::new(StatusCode::CONFLICT, "already_exists", "This number is already on the Do-Not-Call list")
                .with_param("phone_number")
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// List the Do-Not-Call entries, newest first.
#[utoipa::path(get, path = "/v1/dnc", tag = "dnc", params(ListParams, DncFilters),
    responses((status = 200, body = List<DncEntry>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_entries(
    State(state): State<AppState>,
    caller: Authorized<ContactsRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<DncFilters>,
) -> ApiResult<Json<List<DncEntry>>> {
    let request = params.to_request(50, 100)?;
    let filter = Filter::new().eq("phone_number", filters.phone_number);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Get one entry.
#[utoipa::path(get, path = "/v1/dnc/{id}", tag = "dnc", params(("id" = String, Path)),
    responses((status = 200, body = DncEntry), ApiErrorDoc), security(("api_key" = [])))]
async fn get_entry(
    State(state): State<AppState>,
    caller: Authorized<ContactsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DncEntry>> {
    Ok(Json(tenancy::find(&state, &caller, &id, "Do-Not-Call entry").await?))
}

/// Take a number off the list.
#[utoipa::path(delete, path = "/v1/dnc/{id}", tag = "dnc", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_entry(
    State(state): State<AppState>,
    caller: Authorized<ContactsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let entry: DncEntry = tenancy::find(&state, &caller, &id, "Do-Not-Call entry").await?;
    record::delete::<DncEntry>(&state.store, &caller.tenant, entry.id.as_str()).await?;
    Ok(Json(Deleted::new(entry.id.as_str())))
}
