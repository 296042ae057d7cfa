//! Phone numbers the account owns and calls from.

use agentline_domain::{AccountId, AgentId, BusinessId, CarrierKind, NumberId, PhoneNumber, Timestamp};
use serde::Serialize;
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
    pub carrier: CarrierKind,
    /// The SIP trunk calls leave through, when `carrier` is `sip`.
    pub trunk_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Number in "phone_numbers", business_scoped: true {
        id: parsed,
        account_id: parsed,
        business_id: parsed,
        phone_number: phone,
        label: opt_text,
        outbound_enabled: flag,
        inbound_enabled: flag,
        agent_id: opt_parsed,
        carrier: variant,
        trunk_id: opt_text,
        created_at: time,
        updated_at: time,
    }
}

/// The account's number `phone` on `carrier`, if it has one.
pub async fn find_on_carrier(
    store: &crate::Store,
    account_id: &AccountId,
    phone: &PhoneNumber,
    carrier: CarrierKind,
) -> crate::Result<Option<Number>> {
    Ok(sqlx::query_as("SELECT * FROM phone_numbers WHERE account_id = $1 AND phone_number = $2 AND carrier = $3")
        .bind(account_id.as_str())
        .bind(phone.as_str())
        .bind(carrier.as_str())
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
