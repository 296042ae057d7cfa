//! The campaign scheduler. Each tick, for every running campaign: record the outcome of
//! attempts whose call ended (retry, redial or done), then dial due contacts inside their
//! window while the campaign's concurrency, pace and per-number caps allow. Its state is all in
//! the database ([`agentline_store::campaigns`]), so a restarted node, or another node on the
//! same Postgres, carries on where it stopped without losing or double-dialling a contact.

mod attempts;
mod dialing;
pub(crate) mod rows;

use crate::AppState;
use agentline_domain::Timestamp;
use agentline_domain::campaign::CampaignStatus;
use agentline_store::campaigns::{self, Campaign};
use std::time::Duration;
use tokio::sync::watch;

/// How often the scheduler looks at running campaigns.
const TICK: Duration = Duration::from_millis(200);

/// Runs the scheduler until `stop` turns true.
pub(crate) async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if let Err(err) = run_once(&state).await {
            tracing::warn!(error = %err, "the campaign scheduler's tick failed; it tries again");
        }
    }
}

/// One pass over every running campaign.
pub async fn run_once(state: &AppState) -> anyhow::Result<()> {
    for campaign in campaigns::active(&state.store).await? {
        if let Err(err) = step(state, campaign).await {
            tracing::warn!(error = %err, "a campaign's step failed");
        }
    }
    Ok(())
}

async fn step(state: &AppState, campaign: Campaign) -> anyhow::Result<()> {
    let now = Timestamp::now();
    attempts::record_finished(state, &campaign, now).await?;
    if campaign.status != CampaignStatus::Running {
        // Paused or canceled: only the calls already placed are accounted for.
        return Ok(());
    }
    if campaign.end_at.is_some_and(|end| end <= now) {
        campaigns::skip_after_end(&state.store, &campaign.id, now).await?;
    } else if campaign.start_at.is_none_or(|start| start <= now) {
        dialing::dial_due(state, &campaign, now).await?;
    }
    if !campaigns::has_open_contacts(&state.store, &campaign.id).await? {
        let counts = crate::api::campaigns::Counts::from_rows(campaigns::counts(&state.store, &campaign.id).await?);
        let counts = serde_json::to_value(&counts).unwrap_or_default();
        campaigns::complete(&state.store, &campaign, counts, now).await?;
    }
    Ok(())
}
