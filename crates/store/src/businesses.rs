//! Businesses: the brands or offices inside an account. Keys can be confined to one.

use agentline_domain::{AccountId, BusinessId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// A business of the account; its name and phone enrich calls (`business_name`, `business_phone`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Business {
    pub id: BusinessId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub name: String,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Business in "businesses", business_scoped: false {
        id: parsed,
        account_id: parsed,
        name: text,
        phone: opt_text,
        timezone: opt_text,
        created_at: time,
        updated_at: time,
    }
}
