//! `/v1/contacts`: contacts and leads, whose CRM fields enrich the calls made to them.

use super::agents::check_metadata;
use super::auth::{Authorized, ContactsRead, ContactsWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy::{self, resolve_business};
use crate::AppState;
use agentline_domain::validate::{self, FieldError, text};
use agentline_domain::{BusinessId, ContactId, PhoneNumber, Timestamp};
use agentline_store::contacts::Contact;
use agentline_store::record::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_contact, list_contacts)).routes(routes!(
        get_contact,
        update_contact,
        delete_contact
    ))
}

/// Fields of a contact. `phone_number` is required on create; `null` clears optional fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub lead_score: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub lead_status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub lead_source: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub custom_fields: Option<Map<String, Value>>,
    /// Your own CRM's id for the contact (a Klen `contact_id`, a KaiCalls `lead_id`); calls accept it as `contact_id`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub business_id: Option<BusinessId>,
}

fn check_score(score: i64) -> Result<i64, FieldError> {
    if (0..=100).contains(&score) { Ok(score) } else { Err(FieldError::new("lead_score", "must be between 0 and 100")) }
}

impl ContactInput {
    fn apply(self, contact: &mut Contact) -> Result<(), FieldError> {
        if let Some(raw) = self.phone_number {
            contact.phone_number =
                PhoneNumber::parse(&raw).map_err(|e| FieldError::new("phone_number", e.to_string()))?;
        }
        if let Some(name) = self.name {
            contact.name = name.as_deref().map(|n| text("name", n, 200)).transpose()?;
        }
        if let Some(email) = self.email {
            contact.email = email.as_deref().map(validate::email).transpose()?;
        }
        if let Some(timezone) = self.timezone {
            contact.timezone = timezone.as_deref().map(validate::timezone).transpose()?;
        }
        if let Some(score) = self.lead_score {
            contact.lead_score = score.map(check_score).transpose()?;
        }
        if let Some(status) = self.lead_status {
            contact.lead_status = status.as_deref().map(|s| text("lead_status", s, 64)).transpose()?;
        }
        if let Some(source) = self.lead_source {
            contact.lead_source = source.as_deref().map(|s| text("lead_source", s, 128)).transpose()?;
        }
        if let Some(external_id) = self.external_id {
            contact.external_id = external_id.as_deref().map(|e| text("external_id", e, 200)).transpose()?;
        }
        if let Some(fields) = self.custom_fields {
            check_metadata("custom_fields", &fields)?;
            contact.custom_fields = fields;
        }
        Ok(())
    }
}

/// Filters for listing contacts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilters {
    pub phone_number: Option<String>,
    pub lead_status: Option<String>,
    pub business_id: Option<String>,
}

/// Create a contact.
#[utoipa::path(post, path = "/v1/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = Contact), ApiErrorDoc), security(("api_key" = [])))]
async fn create_contact(
    State(state): State<AppState>,
    caller: Authorized<ContactsWrite>,
    ApiJson(mut input): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let raw = input
        .phone_number
        .clone()
        .ok_or_else(|| ApiError::validation("phone_number: is required").with_param("phone_number"))?;
    let phone_number = PhoneNumber::parse(&raw).map_err(|e| FieldError::new("phone_number", e.to_string()))?;
    let business_id = resolve_business(&state, &caller, input.business_id.take()).await?;
    let now = Timestamp::now();
    let mut contact = Contact {
        id: ContactId::generate(),
        account_id: caller.account_id().clone(),
        business_id,
        external_id: None,
        name: None,
        phone_number,
        email: None,
        timezone: None,
        lead_score: None,
        lead_status: None,
        lead_source: None,
        custom_fields: Map::new(),
        interaction_count: 0,
        created_at: now,
        updated_at: now,
    };
    input.apply(&mut contact)?;
    record::create(&state.store, &contact).await?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// List contacts, newest first.
#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", params(ListParams, ContactFilters),
    responses((status = 200, body = List<Contact>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_contacts(
    State(state): State<AppState>,
    caller: Authorized<ContactsRead>,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<ContactFilters>,
) -> ApiResult<Json<List<Contact>>> {
    let request = params.to_request(50, 100)?;
    let filter = Filter::new()
        .eq("phone_number", filters.phone_number)
        .eq("lead_status", filters.lead_status)
        .eq("business_id", filters.business_id);
    let page = record::list(&state.store, &caller.tenant, &filter, &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Get a contact.
#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Contact), ApiErrorDoc), security(("api_key" = [])))]
async fn get_contact(
    State(state): State<AppState>,
    caller: Authorized<ContactsRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(tenancy::find(&state, &caller, &id, "Contact").await?))
}

/// Change some of a contact's fields.
#[utoipa::path(patch, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)), request_body = ContactInput,
    responses((status = 200, body = Contact), ApiErrorDoc), security(("api_key" = [])))]
async fn update_contact(
    State(state): State<AppState>,
    caller: Authorized<ContactsWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<Json<Contact>> {
    if input.business_id.is_some() {
        return Err(ApiError::validation("business_id: cannot be changed").with_param("business_id"));
    }
    let mut contact: Contact = tenancy::find(&state, &caller, &id, "Contact").await?;
    input.apply(&mut contact)?;
    contact.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &contact).await?;
    Ok(Json(contact))
}

/// Delete a contact.
#[utoipa::path(delete, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_contact(
    State(state): State<AppState>,
    caller: Authorized<ContactsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let contact: Contact = tenancy::find(&state, &caller, &id, "Contact").await?;
    record::delete::<Contact>(&state.store, &caller.tenant, contact.id.as_str()).await?;
    Ok(Json(Deleted::new(contact.id.as_str())))
}
