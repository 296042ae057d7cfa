//! Attempts whose call has ended: their outcome decides the contact's next step by the
//! campaign's retry rules. A call cut by a node's death (`server_restart`) is dialled again
//! and does not count as an attempt.

use crate::AppState;
use agentline_domain::Timestamp;
use agentline_domain::campaign::{AfterAttempt, AttemptOutcome, CampaignStatus, ContactState, SkipReason};
use agentline_store::campaigns::{self, Campaign, CampaignContact, Finished};

/// At most this many outcomes a tick per campaign.
const BATCH: i64 = 1_000;

pub(super) async fn record_finished(state: &AppState, campaign: &Campaign, now: Timestamp) -> anyhow::Result<()> {
    for finished in campaigns::finished_attempts(&state.store, &campaign.id, BATCH).await? {
        let after = next_step(campaign, &finished, now);
        // Another node may have recorded it first: then this write changes nothing.
        campaigns::update_contact(&state.store, &finished.contact, &after).await?;
    }
    Ok(())
}

fn next_step(campaign: &Campaign, finished: &Finished, now: Timestamp) -> CampaignContact {
    let outcome = AttemptOutcome::of(&finished.status, finished.end_reason.as_deref());
    let mut contact = finished.contact.clone();
    if let Some(attempt) = contact.attempts.last_mut() {
        attempt.outcome = Some(outcome.as_str().to_owned());
        attempt.end_reason.clone_from(&finished.end_reason);
    }
    contact.updated_at = now;
    match campaign.retry.after(outcome, contact.attempt_count) {
        AfterAttempt::Retry { delay_secs } => {
            contact.state = ContactState::RetryScheduled;
            contact.next_attempt_at = Some(now.plus_seconds(delay_secs));
        }
        AfterAttempt::Redial => {
            contact.state = ContactState::Pending;
            contact.attempt_count -= 1;
            contact.next_attempt_at = Some(now);
        }
        AfterAttempt::Done(state) => {
            contact.state = state;
            contact.next_attempt_at = None;
        }
    }
    if campaign.status == CampaignStatus::Canceled && !contact.state.is_final() {
        // No more attempts for a canceled campaign.
        contact.state = ContactState::Skipped;
        contact.skip_reason = Some(SkipReason::Canceled);
        contact.next_attempt_at = None;
    }
    contact
}
