//! API keys: stored as hashes, shown once, scoped, revocable at once.

use crate::record::Tenant;
use crate::{Error, Result, Store};
use agentline_domain::{AccountId, ApiKeyMode, BusinessId, KeyId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// An API key as listed: everything but the secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: KeyId,
    #[serde(skip)]
    pub account_id: AccountId,
    /// When set, the key sees only this business's agents, numbers and contacts.
    pub business_id: Option<BusinessId>,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    pub mode: ApiKeyMode,
    pub scopes: Vec<String>,
    /// Addresses or CIDR blocks the key may be used from; empty means anywhere.
    pub ip_allowlist: Vec<String>,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl ApiKey {
    /// Usable now: not revoked and not expired.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

crate::column::record! {
    ApiKey in "api_keys", business_scoped: false {
        id: parsed,
        account_id: parsed,
        business_id: opt_parsed,
        name: text,
        prefix: text,
        key_hash: text,
        mode: variant,
        scopes: json,
        ip_allowlist: json,
        expires_at: opt_time,
        revoked_at: opt_time,
        last_used_at: opt_time,
        created_at: time,
    }
}

/// The key whose secret hashes to `hash`, in any account: this is how a request is authenticated.
pub async fn find_by_hash(store: &Store, hash: &str) -> Result<Option<ApiKey>> {
    Ok(sqlx::query_as("SELECT * FROM api_keys WHERE key_hash = $1").bind(hash).fetch_optional(store.pool()).await?)
}

/// Records use of the key, at most once a minute per key to spare the database a write per request.
pub async fn touch(store: &Store, id: &KeyId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(now.to_db())
        .bind(id.as_str())
        .bind(now.plus_seconds(-60).to_db())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Revokes the key; effective for the very next request. Revoking twice keeps the first time.
pub async fn revoke(store: &Store, tenant: &Tenant, id: &str, now: Timestamp) -> Result<()> {
    let result =
        sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE account_id = $2 AND id = $3")
            .bind(now.to_db())
            .bind(tenant.account_id.as_str())
            .bind(id)
            .execute(store.pool())
            .await?;
    if result.rows_affected() == 0 { Err(Error::NotFound) } else { Ok(()) }
}
