//! Transcript turns: what the agent and the caller said, in order, each written with its
//! `call.transcript` event (and that event's webhook deliveries) in one transaction.

use crate::calls::{self, Call};
use crate::record::{self, Tenant};
use crate::{Result, Store};
use agentline_domain::{CallId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The event type a transcript turn is sent as.
pub const TRANSCRIPT_EVENT: &str = "call.transcript";

/// Who spoke a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The AI agent.
    Agent,
    /// The person on the phone (the callee of an outbound call).
    Caller,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Caller => "caller",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "agent" => Some(Self::Agent),
            "caller" => Some(Self::Caller),
            _ => None,
        }
    }

    /// The name a plain-text transcript gives the speaker: `Agent` or `Caller`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "Agent",
            Self::Caller => "Caller",
        }
    }
}

/// One turn of a call's conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptTurn {
    /// The turn's place in the call, from 0; unique per call.
    pub seq: i64,
    pub speaker: Speaker,
    /// What was said: for the agent, what was actually played (cut where it was interrupted);
    /// for the caller, what speech-to-text heard.
    pub text: String,
    /// When the turn started, in milliseconds from the answer.
    pub start_ms: i64,
    /// When the turn ended, in milliseconds from the answer.
    pub end_ms: i64,
    /// The agent was cut off by the caller (barge-in) before it finished.
    pub interrupted: bool,
}

impl TranscriptTurn {
    /// The turn as one line of a plain-text transcript: `Agent: Hello.`, with ` [interrupted]`
    /// at the end of a turn that was cut off. Line breaks inside the text become spaces.
    pub fn line(&self) -> String {
        let text: String = self.text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let mut line = format!("{}: {}", self.speaker.label(), text.trim());
        if self.interrupted {
            line.push_str(" [interrupted]");
        }
        line
    }
}

/// The turns as a plain-text transcript: one [`TranscriptTurn::line`] each, joined with `\n`
/// (no newline after the last).
pub fn plain_text(turns: &[TranscriptTurn]) -> String {
    turns.iter().map(TranscriptTurn::line).collect::<Vec<_>>().join("\n")
}

crate::column::named_by_parse!(Speaker);

crate::column::from_row! {
    TranscriptTurn {
        seq: int,
        speaker: variant,
        text: text,
        start_ms: int,
        end_ms: int,
        interrupted: flag,
    }
}

/// Stores `turn` of the call and, while the call has not ended, its `call.transcript` event
/// with the event's webhook deliveries, all in one transaction: live streams and webhooks see
/// every stored turn of a running call, and nothing that was not stored.
///
/// The event's payload is the call's usual event payload (`call_id`, `status`, `metadata`,
/// `timestamp`, …) with the turn's fields added. A turn stored after the call's final event
/// (`call.completed` / `call.failed`) is kept in the transcript but sends no event, so that a
/// call's events still end with its final one.
///
/// A second turn with the same `seq` answers [`crate::Error::AlreadyExists`] and changes nothing;
/// an unknown call answers [`crate::Error::NotFound`].
pub async fn append_turn(store: &Store, call_id: &CallId, turn: &TranscriptTurn, at: Timestamp) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let call = calls::locked_call(store, &mut tx, call_id).await?;
    sqlx::query(
        "INSERT INTO transcript_turns (call_id, seq, speaker, text, start_ms, end_ms, interrupted, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(call_id.as_str())
    .bind(turn.seq)
    .bind(turn.speaker.as_str())
    .bind(&turn.text)
    .bind(turn.start_ms)
    .bind(turn.end_ms)
    .bind(i64::from(turn.interrupted))
    .bind(at.to_db())
    .execute(&mut *tx)
    .await?;
    if !call.status.is_terminal() {
        let mut event = calls::event_for(&call, at);
        event.event_type = TRANSCRIPT_EVENT.to_owned();
        if let (Value::Object(base), Ok(Value::Object(fields))) = (&mut event.payload, serde_json::to_value(turn)) {
            base.extend(fields);
        }
        crate::outbox::write_event(&mut tx, &event, &call).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The call's turns, in `seq` order; [`crate::Error::NotFound`] for a call the tenant cannot see.
pub async fn turns(store: &Store, tenant: &Tenant, call_id: &CallId) -> Result<Vec<TranscriptTurn>> {
    record::get::<Call>(store, tenant, call_id.as_str()).await?;
    Ok(sqlx::query_as("SELECT * FROM transcript_turns WHERE call_id = $1 ORDER BY seq")
        .bind(call_id.as_str())
        .fetch_all(store.pool())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(seq: i64, speaker: Speaker, text: &str, interrupted: bool) -> TranscriptTurn {
        TranscriptTurn { seq, speaker, text: text.into(), start_ms: 0, end_ms: 0, interrupted }
    }

    #[test]
    fn plain_text_has_one_line_per_turn() {
        let turns = [
            turn(0, Speaker::Agent, "Hi, this is Riley from\nAcme Dental.", true),
            turn(1, Speaker::Caller, " Hello? ", false),
        ];
        assert_eq!(plain_text(&turns), "Agent: Hi, this is Riley from Acme Dental. [interrupted]\nCaller: Hello?");
        assert_eq!(plain_text(&[]), "");
    }

    #[test]
    fn speakers_round_trip() {
        for speaker in [Speaker::Agent, Speaker::Caller] {
            assert_eq!(Speaker::parse(speaker.as_str()), Some(speaker));
            assert_eq!(serde_json::to_value(speaker).unwrap(), speaker.as_str());
        }
        assert_eq!(Speaker::parse("Agent"), None);
    }
}
