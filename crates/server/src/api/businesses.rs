//! `/v1/businesses`: the businesses inside an account. Any key can list them; creating and
//! changing them needs the admin token.

use super::auth::{Admin, Authorized, Caller};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{List, ListParams};
use super::tenancy;
use crate::AppState;
use agentline_domain::validate::{self, FieldError, text};
use agentline_domain::{BusinessId, PhoneNumber, Timestamp};
use agentline_store::businesses::Business;
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_business, list_businesses))
        .routes(routes!(get_business, update_business))
}

/// Fields of a business; `name` is required on create.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessInput {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The office phone callers are given (`business_phone` in call variables).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
}

impl BusinessInput {
    fn apply(self, business: &mut Business) -> Result<(), FieldError> {
        if let Some(name) = self.name {
            business.name = text("name", &name, 200)?;
        }
        if let Some(phone) = self.phone {
            let parse =
                |p: &str| PhoneNumber::parse(p).map(String::from).map_err(|e| FieldError::new("phone", e.to_string()));
            business.phone = phone.as_deref().map(parse).transpose()?;
        }
        if let Some(timezone) = self.timezone {
            business.timezone = timezone.as_deref().map(validate::timezone).transpose()?;
        }
        Ok(())
    }
}

/// Create a business (admin token only).
#[utoipa::path(post, path = "/v1/businesses", tag = "businesses", request_body = BusinessInput,
    responses((status = 201, body = Business), ApiErrorDoc), security(("admin_token" = [])))]
async fn create_business(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(input): ApiJson<BusinessInput>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    if input.name.is_none() {
        return Err(ApiError::validation("name: is required").with_param("name"));
    }
    let now = Timestamp::now();
    let mut business = Business {
        id: BusinessId::generate(),
        account_id: caller.account_id().clone(),
        name: String::new(),
        phone: None,
        timezone: None,
        created_at: now,
        updated_at: now,
    };
    input.apply(&mut business)?;
    record::create(&state.store, &business).await?;
    Ok((StatusCode::CREATED, Json(business)))
}

/// List businesses. A key confined to one business sees only that one.
#[utoipa::path(get, path = "/v1/businesses", tag = "businesses", params(ListParams),
    responses((status = 200, body = List<Business>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_businesses(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<Business>>> {
    let request = params.to_request(50, 100)?;
    let filter = Filter::new().eq("id", caller.tenant.business_id.as_ref().map(ToString::to_string));
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Business> {
    if caller.tenant.business_id.as_ref().is_some_and(|own| own.as_str() != id) {
        return Err(ApiError::not_found("Business"));
    }
    tenancy::find(state, caller, id, "Business").await
}

/// Get a business.
#[utoipa::path(get, path = "/v1/businesses/{id}", tag = "businesses", params(("id" = String, Path)),
    responses((status = 200, body = Business), ApiErrorDoc), security(("api_key" = [])))]
async fn get_business(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Business>> {
    Ok(Json(find(&state, &caller, &id).await?))
}

/// Change a business (admin token only).
#[utoipa::path(patch, path = "/v1/businesses/{id}", tag = "businesses", params(("id" = String, Path)), request_body = BusinessInput,
    responses((status = 200, body = Business), ApiErrorDoc), security(("admin_token" = [])))]
async fn update_business(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<BusinessInput>,
) -> ApiResult<Json<Business>> {
    let mut business = find(&state, &caller, &id).await?;
    input.apply(&mut business)?;
    business.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &business).await?;
    Ok(Json(business))
}
