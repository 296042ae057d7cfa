//! SIP trunks: a provider's SIP server and the credentials calls through it use.

use crate::{Result, Store};
use agentline_domain::trunk::{CallerIdMode, SipTransport};
use agentline_domain::{AccountId, SecretString, Timestamp, TrunkId};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A SIP trunk. The password is write-only: it is never serialised, logged or shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Trunk {
    pub id: TrunkId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub transport: SipTransport,
    /// Digest-auth user name, answered to 401/407 challenges.
    pub username: Option<String>,
    #[serde(skip)]
    pub password: Option<SecretString>,
    /// Whether a password is set (it is never returned).
    pub has_password: bool,
    /// Domain of the From and P-Asserted-Identity URIs; the host when unset.
    pub from_domain: Option<String>,
    pub caller_id_mode: CallerIdMode,
    /// Extra headers added to every INVITE.
    #[schema(value_type = Object)]
    pub headers: Map<String, Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Trunk {
    /// The domain From and P-Asserted-Identity carry.
    pub fn caller_domain(&self) -> &str {
        self.from_domain.as_deref().unwrap_or(&self.host)
    }
}

crate::column::record! {
    Trunk in "sip_trunks", business_scoped: false {
        id: parsed,
        account_id: parsed,
        name: text,
        host: text,
        port: sip_port,
        transport: variant,
        username: opt_text,
        password: opt_secret,
        from_domain: opt_text,
        caller_id_mode: variant,
        headers: json,
        created_at: time,
        updated_at: time,
    } derived {
        has_password = password.is_some(),
    }
}

/// How many of the account's numbers route through `trunk`.
pub async fn numbers_using(store: &Store, account_id: &AccountId, trunk: &TrunkId) -> Result<i64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phone_numbers WHERE account_id = $1 AND trunk_id = $2")
        .bind(account_id.as_str())
        .bind(trunk.as_str())
        .fetch_one(store.pool())
        .await?;
    Ok(count)
}
