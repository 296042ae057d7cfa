//! Contacts (leads): the people agents call, with CRM fields that enrich each call.

use crate::Result;
use crate::record::Record;
use crate::row::{RowExt, to_json};
use crate::sql::Param;
use agentline_domain::{AccountId, BusinessId, ContactId, PhoneNumber, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};
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

impl FromRow<'_, AnyRow> for Contact {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            business_id: row.parse("business_id")?,
            name: row.opt_text("name")?,
            phone_number: row.parse("phone_number")?,
            email: row.opt_text("email")?,
            timezone: row.opt_text("timezone")?,
            lead_score: row.opt_int("lead_score")?,
            lead_status: row.opt_text("lead_status")?,
            lead_source: row.opt_text("lead_source")?,
            custom_fields: row.json("custom_fields")?,
            interaction_count: row.int("interaction_count")?,
            created_at: row.parse("created_at")?,
            updated_at: row.parse("updated_at")?,
        })
    }
}

impl Record for Contact {
    const TABLE: &'static str = "contacts";
    const BUSINESS_SCOPED: bool = true;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("business_id", self.business_id.as_str().into()),
            ("name", self.name.clone().into()),
            ("phone_number", self.phone_number.as_str().into()),
            ("email", self.email.clone().into()),
            ("timezone", self.timezone.clone().into()),
            ("lead_score", self.lead_score.into()),
            ("lead_status", self.lead_status.clone().into()),
            ("lead_source", self.lead_source.clone().into()),
            ("custom_fields", to_json(&self.custom_fields).into()),
            ("interaction_count", self.interaction_count.into()),
            ("created_at", self.created_at.into()),
            ("updated_at", self.updated_at.into()),
        ]
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
