//! SIP trunks: a provider's SIP server and the credentials calls through it use.

use crate::record::Record;
use crate::row::{RowExt, decode_required};
use crate::sql::Param;
use crate::{Result, Store};
use agentline_domain::trunk::{CallerIdMode, SipTransport};
use agentline_domain::{AccountId, SecretString, Timestamp, TrunkId};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::any::AnyRow;
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

impl FromRow<'_, AnyRow> for Trunk {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let password = row.opt_text("password")?.map(SecretString::new);
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            name: row.text("name")?,
            host: row.text("host")?,
            port: u16::try_from(row.int("port")?).unwrap_or(5060),
            transport: decode_required(row, "transport", |s| s.parse().ok())?,
            username: row.opt_text("username")?,
            has_password: password.is_some(),
            password,
            from_domain: row.opt_text("from_domain")?,
            caller_id_mode: decode_required(row, "caller_id_mode", |s| s.parse().ok())?,
            headers: row.json("headers")?,
            created_at: row.parse("created_at")?,
            updated_at: row.parse("updated_at")?,
        })
    }
}

impl Record for Trunk {
    const TABLE: &'static str = "sip_trunks";
    const BUSINESS_SCOPED: bool = false;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("name", self.name.clone().into()),
            ("host", self.host.clone().into()),
            ("port", i64::from(self.port).into()),
            ("transport", self.transport.as_str().into()),
            ("username", self.username.clone().into()),
            ("password", self.password.as_ref().map(|p| p.expose().to_owned()).into()),
            ("from_domain", self.from_domain.clone().into()),
            ("caller_id_mode", self.caller_id_mode.as_str().into()),
            ("headers", Value::Object(self.headers.clone()).to_string().into()),
            ("created_at", self.created_at.into()),
            ("updated_at", self.updated_at.into()),
        ]
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
