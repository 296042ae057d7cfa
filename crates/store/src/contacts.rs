//! Contacts (leads): the people agents call, with CRM fields that enrich each call.

use crate::record::{self, Tenant};
use crate::sql::Sql;
use crate::{Result, Store};
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
    /// The id the caller's own CRM gives this contact; accepted wherever a contact id is.
    pub external_id: Option<String>,
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
        external_id: opt_text,
        name: opt_text,
        phone_number: phone,
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

/// A contact by its id (`con_…`) or, failing that, by its `external_id`.
pub async fn find_by_id_or_external_id(store: &Store, tenant: &Tenant, key: &str) -> Result<Contact> {
    if ContactId::parse(key).is_ok() {
        return record::get(store, tenant, key).await;
    }
    let mut sql = Sql::new("SELECT * FROM contacts WHERE account_id = ");
    sql.bind(tenant.account_id.as_str()).push(" AND external_id = ").bind(key);
    if let Some(business) = &tenant.business_id {
        sql.push(" AND business_id = ").bind(business.as_str());
    }
    let (text, args) = sql.build();
    Ok(sqlx::query_as_with(text, args).fetch_one(store.pool()).await?)
}

/// Bumps a contact's interaction count when a call to them is placed.
pub async fn count_interaction(conn: &mut AnyConnection, contact_id: &ContactId) -> Result<()> {
    sqlx::query("UPDATE contacts SET interaction_count = interaction_count + 1 WHERE id = $1")
        .bind(contact_id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
