//! Live call events as Server-Sent Events, fed from the stored event log so that a client
//! can connect at any time, and resume with `Last-Event-ID` without missing anything. On
//! Postgres the log is read when the cluster announces a new event of the call (any node's),
//! so a client of any node gets events pushed; on SQLite it is read every 100 ms.

use super::error::ApiError;
use crate::AppState;
use agentline_domain::{CallId, EventId};
use agentline_store::Tenant;
use agentline_store::calls::Call;
use agentline_store::events::{self, CallEventRecord};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the log is read for new events while the call is live and this node does not hear
/// the cluster (SQLite: one node, no `NOTIFY`; Postgres while the listener reconnects).
const POLL: Duration = Duration::from_millis(100);
/// While the cluster announces every event, the log is read on each announcement for this call,
/// and also this often, in case an announcement was lost (a listener that reconnected).
const REREAD: Duration = Duration::from_secs(5);

/// Whether the client asked for an event stream.
pub(crate) fn wants_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

/// The `Last-Event-ID` a reconnecting client sends; it must be an event id.
pub(crate) fn last_event_id(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("last-event-id") else { return Ok(None) };
    let id = value.to_str().ok().map(str::trim).and_then(|v| EventId::parse(v).ok());
    let invalid =
        || ApiError::validation("Last-Event-ID must be the id of an event of this stream").with_param("Last-Event-ID");
    id.map(|id| Some(id.to_string())).ok_or_else(invalid)
}

fn is_final(event: &CallEventRecord) -> bool {
    matches!(event.event_type.as_str(), "call.completed" | "call.failed")
}

struct Cursor {
    state: AppState,
    tenant: Tenant,
    call_id: CallId,
    after: Option<String>,
    pending: VecDeque<CallEventRecord>,
    only: Option<&'static str>,
    finished: bool,
    /// Calls whose events were committed since the stream started (on any node).
    news: broadcast::Receiver<CallId>,
}

impl Cursor {
    /// The next event to send, waiting for one while the call is live; `None` once the
    /// call has ended and everything has been sent.
    async fn next(&mut self) -> Option<CallEventRecord> {
        loop {
            // Events read in the same batch after the final one (`call.analyzed`) belong to
            // the call's afterlife, not to its live stream: the stream ends with the call.
            if self.finished {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                self.after = Some(event.id.to_string());
                self.finished |= is_final(&event);
                if self.only.is_none_or(|only| event.event_type == only) {
                    return Some(event);
                }
                continue;
            }
            match events::events_after(&self.state.store, &self.tenant, &self.call_id, self.after.as_deref()).await {
                Ok(events) if !events.is_empty() => self.pending.extend(events),
                Ok(_) => {
                    if self.call_has_ended().await {
                        return None;
                    }
                    self.wait_for_news().await;
                }
                Err(err) => {
                    tracing::warn!(call_id = %self.call_id, error = %err, "live events: cannot read the log");
                    return None;
                }
            }
        }
    }

    /// Until an event of this call may have been committed.
    async fn wait_for_news(&mut self) {
        if !self.state.calls.cluster().is_listening() {
            tokio::time::sleep(POLL).await;
            return;
        }
        let announced = async {
            loop {
                match self.news.recv().await {
                    Ok(id) if id == self.call_id => return,
                    Ok(_) => {}
                    // Announcements were dropped: one of them may have been ours.
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        let _ = tokio::time::timeout(REREAD, announced).await;
    }

    async fn call_has_ended(&self) -> bool {
        let call = agentline_store::record::get::<Call>(&self.state.store, &self.tenant, self.call_id.as_str()).await;
        call.map_or(true, |c| c.status.is_terminal())
    }
}

/// The stream of `call`'s events after `after`, of one type if `only` is set.
pub(crate) fn stream(
    state: AppState,
    tenant: Tenant,
    call_id: CallId,
    after: Option<String>,
    only: Option<&'static str>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the first read, so that nothing committed after that read goes unheard.
    let news = state.calls.cluster().events();
    let cursor = Cursor { state, tenant, call_id, after, pending: VecDeque::new(), only, finished: false, news };
    let events = futures_util::stream::unfold(cursor, |mut cursor| async move {
        let event = cursor.next().await?;
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
        Some((Ok(Event::default().id(event.id.to_string()).event(event.event_type).data(data)), cursor))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
