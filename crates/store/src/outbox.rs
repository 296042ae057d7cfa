//! The transactional outbox: a call's event row and its webhook deliveries are written together,
//! in the caller's transaction, so an event is never stored without the deliveries that announce it.

use crate::Result;
use crate::calls::Call;
use crate::events::CallEventRecord;
use crate::record::insert;
use sqlx::AnyConnection;

/// Stores `event` of `call` with its webhook deliveries (the outbox), in the caller's transaction.
pub(crate) async fn write_event(conn: &mut AnyConnection, event: &CallEventRecord, call: &Call) -> Result<()> {
    insert(&mut *conn, event).await?;
    crate::cluster::announce_event(&mut *conn, call.id.as_str()).await?;
    crate::webhooks::enqueue(conn, event, call).await
}
