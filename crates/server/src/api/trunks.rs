//! `/v1/trunks`: SIP trunks that `sip` numbers place their calls through. Trunks are telephony
//! settings of the numbers, so the `numbers` scopes guard them.

use super::auth::{Authorized, NumbersRead, NumbersWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery, non_null, nullable};
use super::pagination::{Deleted, List, ListParams};
use super::tenancy;
use crate::AppState;
use agentline_domain::trunk::{self, CallerIdMode, SipTransport};
use agentline_domain::validate::{FieldError, text};
use agentline_domain::{SecretString, Timestamp, TrunkId};
use agentline_store::record::{self, Filter};
use agentline_store::trunks::{self as store, Trunk};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_trunk, list_trunks)).routes(routes!(
        get_trunk,
        update_trunk,
        delete_trunk
    ))
}

/// Fields of a SIP trunk. `name` and `host` are required on create.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrunkInput {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The provider's SIP server: a host name or IP address.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub host: Option<String>,
    /// Default 5060.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub port: Option<u16>,
    /// `udp` (default) or `tcp`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub transport: Option<SipTransport>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub username: Option<Option<String>>,
    /// Write-only: never returned.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub password: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub from_domain: Option<Option<String>>,
    /// `from` (default) or `p_asserted_identity`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub caller_id_mode: Option<CallerIdMode>,
    /// Extra headers for every INVITE, name to value.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, value_type = Option<Object>)]
    pub headers: Option<Map<String, Value>>,
}

impl TrunkInput {
    fn apply(self, trunk: &mut Trunk) -> ApiResult<()> {
        if let Some(name) = self.name {
            trunk.name = text("name", &name, 100)?;
        }
        if let Some(host) = self.host {
            trunk.host = trunk::host("host", &host)?;
        }
        if let Some(port) = self.port {
            if port == 0 {
                return Err(FieldError::new("port", "must be 1-65535").into());
            }
            trunk.port = port;
        }
        if let Some(transport) = self.transport {
            trunk.transport = transport;
        }
        if let Some(username) = self.username {
            trunk.username = username.map(|u| trunk::sip_user("username", &u)).transpose()?;
        }
        if let Some(password) = self.password {
            trunk.password = password.map(|p| text("password", &p, 256).map(SecretString::new)).transpose()?;
            trunk.has_password = trunk.password.is_some();
        }
        if let Some(domain) = self.from_domain {
            trunk.from_domain = domain.map(|d| trunk::host("from_domain", &d)).transpose()?;
        }
        if let Some(mode) = self.caller_id_mode {
            trunk.caller_id_mode = mode;
        }
        if let Some(headers) = self.headers {
            trunk.headers = checked_headers(headers)?;
        }
        if trunk.caller_id_mode == CallerIdMode::PAssertedIdentity && trunk.username.is_none() {
            return Err(
                FieldError::new("caller_id_mode", "p_asserted_identity puts the username in From: set one").into()
            );
        }
        Ok(())
    }
}

fn checked_headers(headers: Map<String, Value>) -> ApiResult<Map<String, Value>> {
    if headers.len() > 20 {
        return Err(FieldError::new("headers", "at most 20 headers").into());
    }
    for (name, value) in &headers {
        let Value::String(value) = value else {
            return Err(FieldError::new("headers", format!("the value of `{name}` must be a string")).into());
        };
        trunk::custom_header(name, value)?;
    }
    Ok(headers)
}

/// Add a SIP trunk.
#[utoipa::path(post, path = "/v1/trunks", tag = "trunks", request_body = TrunkInput,
    responses((status = 201, body = Trunk), ApiErrorDoc), security(("api_key" = [])))]
async fn create_trunk(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiJson(input): ApiJson<TrunkInput>,
) -> ApiResult<(StatusCode, Json<Trunk>)> {
    for (field, missing) in [("name", input.name.is_none()), ("host", input.host.is_none())] {
        if missing {
            return Err(ApiError::validation(format!("{field}: is required")).with_param(field));
        }
    }
    let now = Timestamp::now();
    let mut trunk = Trunk {
        id: TrunkId::generate(),
        account_id: caller.account_id().clone(),
        name: String::new(),
        host: String::new(),
        port: 5060,
        transport: SipTransport::Udp,
        username: None,
        password: None,
        has_password: false,
        from_domain: None,
        caller_id_mode: CallerIdMode::From,
        headers: Map::new(),
        created_at: now,
        updated_at: now,
    };
    input.apply(&mut trunk)?;
    record::create(&state.store, &trunk).await?;
    Ok((StatusCode::CREATED, Json(trunk)))
}

/// List SIP trunks, newest first.
#[utoipa::path(get, path = "/v1/trunks", tag = "trunks", params(ListParams),
    responses((status = 200, body = List<Trunk>), ApiErrorDoc), security(("api_key" = [])))]
async fn list_trunks(
    State(state): State<AppState>,
    caller: Authorized<NumbersRead>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<List<Trunk>>> {
    let request = params.to_request(50, 100)?;
    let page = record::list(&state.store, &caller.tenant, &Filter::new(), &request).await?;
    Ok(Json(List::new(page, &request)))
}

/// Get a SIP trunk (without its password).
#[utoipa::path(get, path = "/v1/trunks/{id}", tag = "trunks", params(("id" = String, Path)),
    responses((status = 200, body = Trunk), ApiErrorDoc), security(("api_key" = [])))]
async fn get_trunk(
    State(state): State<AppState>,
    caller: Authorized<NumbersRead>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Trunk>> {
    Ok(Json(tenancy::find(&state, &caller, &id, "SIP trunk").await?))
}

/// Change a SIP trunk. Calls already running keep the settings they started with.
#[utoipa::path(patch, path = "/v1/trunks/{id}", tag = "trunks", params(("id" = String, Path)), request_body = TrunkInput,
    responses((status = 200, body = Trunk), ApiErrorDoc), security(("api_key" = [])))]
async fn update_trunk(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<TrunkInput>,
) -> ApiResult<Json<Trunk>> {
    let mut trunk: Trunk = tenancy::find(&state, &caller, &id, "SIP trunk").await?;
    input.apply(&mut trunk)?;
    trunk.updated_at = Timestamp::now();
    record::update(&state.store, &caller.tenant, &trunk).await?;
    Ok(Json(trunk))
}

/// Remove a SIP trunk that no number uses.
#[utoipa::path(delete, path = "/v1/trunks/{id}", tag = "trunks", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), ApiErrorDoc), security(("api_key" = [])))]
async fn delete_trunk(
    State(state): State<AppState>,
    caller: Authorized<NumbersWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deleted>> {
    let trunk: Trunk = tenancy::find(&state, &caller, &id, "SIP trunk").await?;
    let users = store::numbers_using(&state.store, caller.account_id(), &trunk.id).await?;
    if users > 0 {
        let message = format!("{users} phone number(s) still use this trunk; move them first");
        return Err(ApiError::new(StatusCode::CONFLICT, "trunk_in_use", message));
    }
    record::delete::<Trunk>(&state.store, &caller.tenant, trunk.id.as_str()).await?;
    Ok(Json(Deleted::new(trunk.id.as_str())))
}
