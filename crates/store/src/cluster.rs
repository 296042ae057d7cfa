//! Messages between the nodes that share one Postgres, by `LISTEN`/`NOTIFY`: an order for a call
//! goes to the node that runs it, and every node hears of each call event as it is committed (so
//! live event streams are pushed, not polled). On SQLite there is one node and nothing to send.
//!
//! A notification is delivered only to nodes listening at the time, and only when the sending
//! transaction commits; what depends on it must still read the database for the facts.

use crate::{Dialect, Result, Store};
use sqlx::AnyConnection;
use sqlx::postgres::PgListener;

/// Orders for a call, to the node that runs it (JSON, see the engine's `cluster`).
pub const COMMANDS: &str = "agentline_commands";
/// The id of a call whose event was just committed.
pub const EVENTS: &str = "agentline_events";

/// Sends `payload` on `channel` to every listening node; false on SQLite, which has no others.
pub async fn notify(store: &Store, channel: &str, payload: &str) -> Result<bool> {
    if store.dialect() != Dialect::Postgres {
        return Ok(false);
    }
    sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(store.pool()).await?;
    Ok(true)
}

/// Announces a call event in the transaction that writes it: listeners hear of it on commit.
pub(crate) async fn announce_event(conn: &mut AnyConnection, call_id: &str) -> Result<()> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS).bind(call_id).execute(&mut *conn).await?;
    Ok(())
}

/// A node's own connection listening to [`COMMANDS`] and [`EVENTS`].
pub struct Listener(PgListener);

/// One notification: its channel and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub channel: String,
    pub payload: String,
}

impl Listener {
    /// Opens a listening connection; `None` on SQLite.
    pub async fn open(store: &Store) -> Result<Option<Self>> {
        let Some(url) = store.listen_url() else { return Ok(None) };
        let mut listener = PgListener::connect(url.expose()).await?;
        listener.listen_all([COMMANDS, EVENTS]).await?;
        Ok(Some(Self(listener)))
    }

    /// The next notification. An error means the connection was lost: notifications sent until
    /// it is opened again are missed.
    pub async fn recv(&mut self) -> Result<Notification> {
        let received = self.0.recv().await?;
        Ok(Notification { channel: received.channel().to_owned(), payload: received.payload().to_owned() })
    }
}
