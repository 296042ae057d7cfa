//! Contacts (leads): the people agents call, with CRM fields that enrich each call.

use crate::Result;
use agentline_domain::{AccountId, BusinessId, ContactId, PhoneNumber, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// A contact or lead.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub name: Option<String>,
    pub phone_number: PhoneNumber,
    pub email: Option<String>,
    /// IANA time zone, used for `time_of_day` on calls.
    pub timezone: Option<String>,
    /// 0 to 100.
    pub lead_score: Option<i64>,
    pub lead_status: Option<String>,
    pub lead_source: Option<String>,
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Calls placed to or received from this contact.
    pub interaction_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Contact in "contacts", business_scoped: true {
        id: parsed,
        account_id: parsed,
        business_id: parsed,
        name: opt_text,
        phone_number: parsed,
        email: opt_text,
        timezone: opt_text,
        lead_score: opt_int,
        lead_status: opt_text,
        lead_source: opt_text,
        custom_fields: json,
        interaction_count: int,
        created_at: time,
        updated_at: time,
    }
}

/// Bumps a contact's interaction count when a call to them is placed.
pub async fn count_interaction(conn: &mut AnyConnection, contact_id: &ContactId) -> Result<()> {
    sqlx::query("UPDATE contacts SET interaction_count = interaction_count + 1 WHERE id = $1")
        .bind(contact_id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
