//! Checked contact rows → campaign contacts: existing contacts looked up, each row's time zone
//! resolved once (its own, its number's country, the business's), and numbers that cannot be
//! dialled or are on the Do-Not-Call list kept as skipped, so the list shows them.

use crate::api::error::{ApiError, ApiResult};
use agentline_domain::campaign::rows::{ContactRow, RowError, RowNumber};
use agentline_domain::campaign::{ContactState, SkipReason, contact_timezone};
use agentline_domain::{CampaignContactId, ContactId, Timestamp};
use agentline_store::Store;
use agentline_store::campaigns::{Campaign, CampaignContact};
use agentline_store::contacts::Contact;
use agentline_store::record::Tenant;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// The answer to rows that failed their checks: 400 with every faulty row.
pub(crate) fn row_errors(errors: &[RowError]) -> ApiError {
    let first = errors.first().map_or_else(String::new, |e| match (e.line, e.index) {
        (Some(line), _) => format!(" (line {line}: {})", e.message),
        (_, Some(index)) => format!(" (contacts[{index}]: {})", e.message),
        _ => format!(" ({})", e.message),
    });
    let listed = serde_json::to_value(errors).unwrap_or(Value::Null);
    ApiError::validation(format!("{} contact rows are not valid{first}", errors.len()))
        .with_param("contacts")
        .with_detail("errors", listed)
}

/// What the rows of one request need from the database, read once.
pub(crate) struct Lookups {
    dnc: HashSet<String>,
    contacts: HashMap<ContactId, Contact>,
    business_timezone: Option<String>,
}

impl Lookups {
    pub(crate) async fn load(
        store: &Store,
        tenant: &Tenant,
        rows: &[ContactRow],
        business_timezone: Option<String>,
    ) -> ApiResult<Self> {
        let dnc = agentline_store::dnc::all_numbers(store, &tenant.account_id).await?;
        let mut contacts = HashMap::new();
        let mut missing = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let ContactRow::Existing { contact_id, .. } = row else { continue };
            match agentline_store::record::get::<Contact>(store, tenant, contact_id.as_str()).await {
                Ok(contact) => {
                    contacts.insert(contact_id.clone(), contact);
                }
                Err(agentline_store::Error::NotFound) => missing.push(RowError {
                    line: None,
                    index: Some(index),
                    message: format!("no contact {contact_id}"),
                }),
                Err(other) => return Err(other.into()),
            }
        }
        if !missing.is_empty() {
            return Err(row_errors(&missing));
        }
        Ok(Self { dnc, contacts, business_timezone })
    }

    /// The campaign's contacts for `rows`; CSV rows keep their line (the header is line 1).
    pub(crate) fn contacts(
        &self,
        campaign: &Campaign,
        rows: Vec<ContactRow>,
        csv: bool,
        now: Timestamp,
    ) -> Vec<CampaignContact> {
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| {
                let line = csv.then(|| i64::try_from(index).unwrap_or(i64::MAX).saturating_add(2));
                self.contact(campaign, row, line, now)
            })
            .collect()
    }

    fn contact(&self, campaign: &Campaign, row: ContactRow, line: Option<i64>, now: Timestamp) -> CampaignContact {
        let (contact_id, number, name, own_zone, variables) = match row {
            ContactRow::Existing { contact_id, variables } => {
                let contact = &self.contacts[&contact_id];
                let number = RowNumber::Valid(contact.phone_number.clone());
                (Some(contact_id), number, contact.name.clone(), contact.timezone.clone(), variables)
            }
            ContactRow::Inline { number, name, timezone, variables } => (None, number, name, timezone, variables),
        };
        let (phone_number, skip_reason) = match number {
            RowNumber::Valid(number) if self.dnc.contains(number.as_str()) => {
                (number.to_string(), Some(SkipReason::DoNotCall))
            }
            RowNumber::Valid(number) => (number.to_string(), None),
            RowNumber::Invalid(text) => (text, Some(SkipReason::InvalidNumber)),
        };
        let zone = contact_timezone(own_zone.as_deref(), &phone_number, self.business_timezone.as_deref());
        CampaignContact {
            id: CampaignContactId::generate(),
            account_id: campaign.account_id.clone(),
            campaign_id: campaign.id.clone(),
            line,
            contact_id,
            phone_number,
            name,
            timezone: zone.name().to_owned(),
            variables,
            state: if skip_reason.is_some() { ContactState::Skipped } else { ContactState::Pending },
            skip_reason,
            skip_detail: None,
            attempt_count: 0,
            attempts: Vec::new(),
            next_attempt_at: skip_reason.is_none().then_some(now),
            call_id: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The campaign's variables under the row's own.
pub(crate) fn merged(campaign: &Map<String, Value>, row: &Map<String, Value>) -> Map<String, Value> {
    let mut all = campaign.clone();
    all.extend(row.clone());
    all
}
