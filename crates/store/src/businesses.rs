//! Businesses: the brands or offices inside an account. Keys can be confined to one.

use crate::record::Record;
use crate::row::RowExt;
use crate::sql::Param;
use agentline_domain::{AccountId, BusinessId, Timestamp};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
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

impl FromRow<'_, AnyRow> for Business {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            name: row.text("name")?,
            phone: row.opt_text("phone")?,
            timezone: row.opt_text("timezone")?,
            created_at: row.parse("created_at")?,
            updated_at: row.parse("updated_at")?,
        })
    }
}

impl Record for Business {
    const TABLE: &'static str = "businesses";
    const BUSINESS_SCOPED: bool = false;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("name", self.name.clone().into()),
            ("phone", self.phone.clone().into()),
            ("timezone", self.timezone.clone().into()),
            ("created_at", self.created_at.into()),
            ("updated_at", self.updated_at.into()),
        ]
    }
}
