//! Dialling a campaign's due contacts: inside the contact's calling window, within the
//! campaign's concurrency, at its pace, from a caller-ID number under its daily cap, never to a
//! number on the Do-Not-Call list. Each call is built exactly as `POST /v1/calls` builds one
//! (templates, caller ID, contact) and inserted in the transaction that claims the contact.

use super::rows::merged;
use crate::AppState;
use crate::api::auth::{Caller, Credential};
use crate::api::call_request::{self, CreateCall};
use agentline_domain::campaign::{CallingWindow, ContactState, SkipReason, WindowBody};
use agentline_domain::{CampaignId, NumberId, PhoneNumber, ScopeSet, Timestamp};
use agentline_store::campaigns::{self, Attempt, Campaign, CampaignContact};
use agentline_store::record::Tenant;
use serde_json::Value;

/// A contact that cannot be dialled now, and what becomes of it.
enum NotNow {
    /// Its window is closed: due again when it opens.
    Window(Timestamp),
    Skip(SkipReason, Option<String>),
}

pub(super) async fn dial_due(state: &AppState, campaign: &Campaign, now: Timestamp) -> anyhow::Result<()> {
    let Ok(window) = serde_json::from_value::<WindowBody>(campaign.window.clone()).map(|w| w.validate()) else {
        anyhow::bail!("campaign {} has an unreadable window", campaign.id);
    };
    let window = window?;
    let mut free = campaign.max_concurrent - campaigns::in_progress(&state.store, &campaign.id).await?;
    if free <= 0 {
        return Ok(());
    }
    let mut pace = Pace::new(campaign, now);
    let caller = caller(campaign);
    for contact in campaigns::due(&state.store, &campaign.id, now, free * 4).await? {
        if free == 0 {
            break;
        }
        if let Some(not_now) = not_now(state, campaign, &window, &contact, now).await? {
            set_aside(state, &contact, not_now, now).await?;
            continue;
        }
        if !pace.take(state, now).await? {
            break;
        }
        let Some(number) = free_number(state, campaign, now).await? else { break };
        if place(state, campaign, &caller, &contact, number, now).await? {
            free -= 1;
        }
    }
    Ok(())
}

/// Why `contact` is not dialled now, if it is not.
async fn not_now(
    state: &AppState,
    campaign: &Campaign,
    window: &CallingWindow,
    contact: &CampaignContact,
    now: Timestamp,
) -> anyhow::Result<Option<NotNow>> {
    let Ok(number) = PhoneNumber::parse_or_fictional(&contact.phone_number) else {
        return Ok(Some(NotNow::Skip(SkipReason::InvalidNumber, None)));
    };
    let tenant = Tenant::account(campaign.account_id.clone());
    if agentline_store::dnc::is_listed(&state.store, &tenant, &number).await? {
        return Ok(Some(NotNow::Skip(SkipReason::DoNotCall, None)));
    }
    let zone = contact.timezone.parse().unwrap_or(chrono_tz::UTC);
    if window.is_open(now.datetime(), zone) {
        return Ok(None);
    }
    let opens = Timestamp::from_datetime(window.next_open(now.datetime(), zone));
    if campaign.end_at.is_some_and(|end| opens >= end) {
        return Ok(Some(NotNow::Skip(SkipReason::WindowNeverOpen, None)));
    }
    Ok(Some(NotNow::Window(opens)))
}

async fn set_aside(state: &AppState, contact: &CampaignContact, not_now: NotNow, now: Timestamp) -> anyhow::Result<()> {
    let mut after = contact.clone();
    after.updated_at = now;
    match not_now {
        NotNow::Window(opens) => {
            after.state = ContactState::WaitingForWindow;
            after.next_attempt_at = Some(opens);
        }
        NotNow::Skip(reason, detail) => {
            after.state = ContactState::Skipped;
            after.skip_reason = Some(reason);
            after.skip_detail = detail;
            after.next_attempt_at = None;
        }
    }
    campaigns::update_contact(&state.store, contact, &after).await?;
    Ok(())
}

/// The campaign's pace: one call every `60 / calls_per_minute` seconds, shared by every node
/// through the campaign row (`next_dial_at`, moved by compare-and-set); a node that fell behind
/// catches up by at most a second's worth.
struct Pace {
    campaign: CampaignId,
    /// `next_dial_at` as the database holds it.
    stored: Timestamp,
    /// When the next call may go.
    due: Timestamp,
    interval_ms: i64,
}

impl Pace {
    fn new(campaign: &Campaign, now: Timestamp) -> Self {
        let interval_ms = 60_000 / campaign.calls_per_minute.max(1);
        let due = campaign.next_dial_at.max(now.plus_millis(-1_000));
        Self { campaign: campaign.id.clone(), stored: campaign.next_dial_at, due, interval_ms }
    }

    /// Takes the next slot if it is due; `false` when it is not (or another node took it).
    async fn take(&mut self, state: &AppState, now: Timestamp) -> anyhow::Result<bool> {
        if self.due > now {
            return Ok(false);
        }
        let next = self.due.plus_millis(self.interval_ms);
        if !campaigns::take_pace_slot(&state.store, &self.campaign, self.stored, next).await? {
            return Ok(false);
        }
        (self.stored, self.due) = (next, next);
        Ok(true)
    }
}

/// The caller-ID number with the fewest calls today that is under the daily cap.
async fn free_number(state: &AppState, campaign: &Campaign, now: Timestamp) -> anyhow::Result<Option<NumberId>> {
    let midnight = now.datetime().date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let since = Timestamp::from_datetime(midnight);
    let mut best: Option<(i64, NumberId)> = None;
    for number in &campaign.from_number_ids {
        let used = match campaign.daily_cap_per_number {
            None if campaign.from_number_ids.len() == 1 => return Ok(Some(number.clone())),
            cap => {
                let used = campaigns::calls_from_since(&state.store, number, since).await?;
                if cap.is_some_and(|cap| used >= cap) {
                    continue;
                }
                used
            }
        };
        if best.as_ref().is_none_or(|(fewest, _)| used < *fewest) {
            best = Some((used, number.clone()));
        }
    }
    Ok(best.map(|(_, number)| number))
}

/// The campaign acts for the key that created it, in its mode; one the admin token created
/// (no key) is live, as the admin token is.
fn caller(campaign: &Campaign) -> Caller {
    let tenant = Tenant::account(campaign.account_id.clone());
    let credential = match &campaign.key_id {
        Some(id) => Credential::Key { id: id.clone(), mode: campaign.mode, scopes: ScopeSet::everything() },
        None => Credential::Admin,
    };
    Caller { tenant, credential }
}

/// Builds the contact's call and dials it; `false` when the contact could not be called (it is
/// then skipped) or someone else claimed it first.
async fn place(
    state: &AppState,
    campaign: &Campaign,
    caller: &Caller,
    contact: &CampaignContact,
    number: NumberId,
    now: Timestamp,
) -> anyhow::Result<bool> {
    let request = CreateCall {
        to: Some(contact.phone_number.clone()),
        agent_id: Some(Value::String(campaign.agent_id.to_string())),
        from_number_id: Some(number.to_string()),
        contact_id: contact.contact_id.as_ref().map(ToString::to_string),
        name: contact.name.clone(),
        variables: Some(merged(&campaign.variables, &contact.variables)),
        ..CreateCall::default()
    };
    let mut call = match call_request::prepare(state, caller, request).await {
        Ok(call) => call,
        Err(err) => {
            tracing::warn!(campaign_id = %campaign.id, contact = %contact.id, error = %err.message, "a campaign contact cannot be called");
            let reason = if err.code == "do_not_call" { SkipReason::DoNotCall } else { SkipReason::NotPlaceable };
            set_aside(state, contact, NotNow::Skip(reason, Some(err.message)), now).await?;
            return Ok(false);
        }
    };
    if crate::api::calls::check_wallet(state, &call).await.is_err() {
        // The wallet cannot pay a minute: nothing is dialled and no attempt is spent.
        return Ok(false);
    }
    call.campaign_id = Some(campaign.id.clone());
    let mut after = contact.clone();
    after.attempt_count += 1;
    after.attempts.push(Attempt {
        attempt: after.attempt_count,
        call_id: call.id.clone(),
        outcome: None,
        end_reason: None,
        placed_at: now,
    });
    after.state = ContactState::InProgress;
    after.call_id = Some(call.id.clone());
    after.next_attempt_at = None;
    after.updated_at = now;
    let dialled = campaigns::dial(&state.store, contact, &after, &call).await?;
    if dialled {
        state.calls.wake();
    }
    Ok(dialled)
}
