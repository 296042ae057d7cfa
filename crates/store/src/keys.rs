//! API keys: stored as hashes, shown once, scoped, revocable at once.

use crate::record::{Record, Tenant};
use crate::row::{RowExt, to_json};
use crate::sql::Param;
use crate::{Error, Result, Store};
use agentline_domain::{AccountId, ApiKeyMode, BusinessId, KeyId, Timestamp};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
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

impl FromRow<'_, AnyRow> for ApiKey {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let mode = row.text("mode")?;
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            business_id: row.parse_opt("business_id")?,
            name: row.text("name")?,
            prefix: row.text("prefix")?,
            key_hash: row.text("key_hash")?,
            mode: ApiKeyMode::parse(&mode)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown key mode {mode}").into()))?,
            scopes: row.json("scopes")?,
            ip_allowlist: row.json("ip_allowlist")?,
            expires_at: row.parse_opt("expires_at")?,
            revoked_at: row.parse_opt("revoked_at")?,
            last_used_at: row.parse_opt("last_used_at")?,
            created_at: row.parse("created_at")?,
        })
    }
}

impl Record for ApiKey {
    const TABLE: &'static str = "api_keys";
    const BUSINESS_SCOPED: bool = false;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("business_id", self.business_id.as_ref().map(|b| b.to_string()).into()),
            ("name", self.name.clone().into()),
            ("prefix", self.prefix.clone().into()),
            ("key_hash", self.key_hash.clone().into()),
            ("mode", self.mode.as_str().into()),
            ("scopes", to_json(&self.scopes).into()),
            ("ip_allowlist", to_json(&self.ip_allowlist).into()),
            ("expires_at", self.expires_at.into()),
            ("revoked_at", self.revoked_at.into()),
            ("last_used_at", self.last_used_at.into()),
            ("created_at", self.created_at.into()),
        ]
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
