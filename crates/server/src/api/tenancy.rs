//! Which business a new resource lands in, within what the caller may touch.

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::AppState;
use agentline_domain::BusinessId;
use agentline_store::businesses::Business;
use agentline_store::{accounts, record};

/// The business for a new resource: the one asked for (if the caller may use it), else the
/// key's own business, else the account's first.
pub(crate) async fn resolve_business(
    state: &AppState,
    caller: &Caller,
    requested: Option<BusinessId>,
) -> ApiResult<BusinessId> {
    match (requested, &caller.tenant.business_id) {
        (Some(asked), Some(own)) if asked != *own => {
            Err(ApiError::permission_denied("This API key is restricted to another business"))
        }
        (Some(asked), _) => {
            let found = record::get::<Business>(&state.store, &caller.tenant, asked.as_str()).await;
            found
                .map(|b| b.id)
                .map_err(|_| ApiError::validation("business_id: no such business").with_param("business_id"))
        }
        (None, Some(own)) => Ok(own.clone()),
        (None, None) => Ok(accounts::default_business(&state.store, caller.account_id()).await?.id),
    }
}

/// The caller's resource `id`, or `not_found` naming `what`.
pub(crate) async fn find<R: agentline_store::Record>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    what: &str,
) -> ApiResult<R> {
    record::get(&state.store, &caller.tenant, id).await.map_err(|e| match e {
        agentline_store::Error::NotFound => ApiError::not_found(what),
        other => other.into(),
    })
}
