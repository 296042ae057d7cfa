//! Who a request acts as: the caller (an API key with its scopes, or the account's admin token),
//! the permissions endpoints ask of it, and how a stored key becomes a caller. `auth` (bearer
//! secrets) and `session` (console cookies) both produce a [`Caller`] from here.

use super::error::{ApiError, ApiResult};
use agentline_domain::scope::{Action, Resource};
use agentline_domain::{AccountId, ApiKeyMode, KeyId, Scope, ScopeSet, Timestamp};
use agentline_store::keys::ApiKey;
use agentline_store::record::Tenant;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::ops::Deref;

/// An authenticated caller, available to every `/v1` handler.
#[derive(Clone, Debug)]
pub struct Caller {
    pub tenant: Tenant,
    pub credential: Credential,
}

#[derive(Clone, Debug)]
pub enum Credential {
    /// An API key, limited by its scopes.
    Key { id: KeyId, mode: ApiKeyMode, scopes: ScopeSet },
    /// The account's admin token: every scope, plus key and wallet management.
    Admin,
}

impl Caller {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        match &self.credential {
            Credential::Admin => Ok(()),
            Credential::Key { scopes, .. } if scopes.allows(scope) => Ok(()),
            Credential::Key { .. } => {
                Err(ApiError::permission_denied(format!("This API key lacks the `{scope}` scope")))
            }
        }
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self.credential {
            Credential::Admin => Ok(()),
            Credential::Key { .. } => {
                Err(ApiError::permission_denied("This endpoint needs the account's admin token, not an API key"))
            }
        }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.tenant.account_id
    }

    /// Live keys and the admin token act for real; test keys only ever reach the sandbox.
    pub fn mode(&self) -> ApiKeyMode {
        match &self.credential {
            Credential::Key { mode, .. } => *mode,
            Credential::Admin => ApiKeyMode::Live,
        }
    }

    pub fn key_id(&self) -> Option<&KeyId> {
        match &self.credential {
            Credential::Key { id, .. } => Some(id),
            Credential::Admin => None,
        }
    }

    pub(super) fn rate_limit_key(&self) -> String {
        self.key_id().map_or_else(|| format!("admin:{}", self.tenant.account_id), ToString::to_string)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Self>().cloned().ok_or_else(missing_credential)
    }
}

/// A permission an endpoint needs, checked when the request is extracted (before its body is read).
pub trait Permission {
    fn check(caller: &Caller) -> ApiResult<()>;
}

/// The caller, once it has passed `P`'s check. Derefs to [`Caller`].
pub struct Authorized<P> {
    caller: Caller,
    permission: PhantomData<P>,
}

impl<P> Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        P::check(&caller)?;
        Ok(Self { caller, permission: PhantomData })
    }
}

macro_rules! scope_permission {
    ($($name:ident => $resource:ident $action:ident),* $(,)?) => {$(
        #[doc = concat!("Needs the `", stringify!($resource), ":", stringify!($action), "` scope (lowercase).")]
        pub struct $name;
        impl Permission for $name {
            fn check(caller: &Caller) -> ApiResult<()> {
                caller.require(Scope::new(Resource::$resource, Action::$action))
            }
        }
    )*};
}

scope_permission!(
    AgentsRead => Agents Read,
    AgentsWrite => Agents Write,
    NumbersRead => Numbers Read,
    NumbersWrite => Numbers Write,
    ContactsRead => Contacts Read,
    ContactsWrite => Contacts Write,
    CallsRead => Calls Read,
    CallsWrite => Calls Write,
    BillingRead => Billing Read,
    WebhooksRead => Webhooks Read,
    WebhooksWrite => Webhooks Write,
);

/// Needs the account's admin token.
pub struct Admin;

impl Permission for Admin {
    fn check(caller: &Caller) -> ApiResult<()> {
        caller.require_admin()
    }
}

pub(super) fn missing_credential() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "authentication_required",
        "No API key was provided; send `Authorization: Bearer <key>` or `x-api-key: <key>`",
    )
}

pub(crate) fn invalid_key(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_key", format!("The API key is {why}"))
}

/// The caller a usable key stands for.
pub(crate) fn key_caller(key: ApiKey) -> ApiResult<Caller> {
    let scopes = ScopeSet::parse(&key.scopes).map_err(|e| ApiError::internal(&e))?;
    Ok(Caller {
        tenant: Tenant { account_id: key.account_id, business_id: key.business_id },
        credential: Credential::Key { id: key.id, mode: key.mode, scopes },
    })
}

pub(crate) fn check_key_usable(key: &ApiKey, peer: IpAddr) -> ApiResult<()> {
    if key.revoked_at.is_some() {
        return Err(invalid_key("revoked"));
    }
    if !key.is_active(Timestamp::now()) {
        return Err(invalid_key("expired"));
    }
    let allowed = key.ip_allowlist.is_empty()
        || key.ip_allowlist.iter().filter_map(|net| net.parse::<ipnet::IpNet>().ok()).any(|net| net.contains(&peer));
    if !allowed {
        return Err(ApiError::permission_denied(format!("This API key may not be used from {peer}")));
    }
    Ok(())
}
