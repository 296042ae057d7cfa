//! Phone numbers the account owns and calls from.

use crate::record::Record;
use crate::row::RowExt;
use crate::sql::Param;
use agentline_domain::{AccountId, AgentId, BusinessId, NumberId, PhoneNumber, Timestamp};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

/// A phone number and how calls from it reach the network.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Number {
    pub id: NumberId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub phone_number: PhoneNumber,
    pub label: Option<String>,
    pub outbound_enabled: bool,
    pub inbound_enabled: bool,
    /// The agent that uses this number as caller ID and answers it.
    pub agent_id: Option<AgentId>,
    /// `sandbox`, `sip` or `twilio`.
    pub carrier: String,
    /// The SIP trunk calls leave through, when `carrier` is `sip`.
    pub trunk_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl FromRow<'_, AnyRow> for Number {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            business_id: row.parse("business_id")?,
            phone_number: row.parse("phone_number")?,
            label: row.opt_text("label")?,
            outbound_enabled: row.flag("outbound_enabled")?,
            inbound_enabled: row.flag("inbound_enabled")?,
            agent_id: row.parse_opt("agent_id")?,
            carrier: row.text("carrier")?,
            trunk_id: row.opt_text("trunk_id")?,
            created_at: row.parse("created_at")?,
            updated_at: row.parse("updated_at")?,
        })
    }
}

impl Record for Number {
    const TABLE: &'static str = "phone_numbers";
    const BUSINESS_SCOPED: bool = true;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("business_id", self.business_id.as_str().into()),
            ("phone_number", self.phone_number.as_str().into()),
            ("label", self.label.clone().into()),
            ("outbound_enabled", self.outbound_enabled.into()),
            ("inbound_enabled", self.inbound_enabled.into()),
            ("agent_id", self.agent_id.as_ref().map(|a| a.to_string()).into()),
            ("carrier", self.carrier.clone().into()),
            ("trunk_id", self.trunk_id.clone().into()),
            ("created_at", self.created_at.into()),
            ("updated_at", self.updated_at.into()),
        ]
    }
}

/// The account's number `phone` on `carrier`, if it has one.
pub async fn find_on_carrier(
    store: &crate::Store,
    account_id: &AccountId,
    phone: &PhoneNumber,
    carrier: &str,
) -> crate::Result<Option<Number>> {
    Ok(sqlx::query_as("SELECT * FROM phone_numbers WHERE account_id = $1 AND phone_number = $2 AND carrier = $3")
        .bind(account_id.as_str())
        .bind(phone.as_str())
        .bind(carrier)
        .fetch_optional(store.pool())
        .await?)
}

/// The first number (oldest) that `agent` answers, on any carrier.
pub async fn first_of_agent(store: &crate::Store, agent_id: &AgentId) -> crate::Result<Option<Number>> {
    Ok(sqlx::query_as("SELECT * FROM phone_numbers WHERE agent_id = $1 ORDER BY created_at, id LIMIT 1")
        .bind(agent_id.as_str())
        .fetch_optional(store.pool())
        .await?)
}
