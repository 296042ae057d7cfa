//! The usage log writer: request rows are queued and written in batches, one transaction per
//! batch, off the request path. A per-request fsynced insert was the largest single cost of a
//! request on SQLite. Rows wait at most [`FLUSH_EVERY`]; readers of the log call
//! [`UsageWriter::flush`] first, so a client always sees its own earlier requests.

use agentline_store::Store;
use agentline_store::usage::UsageRecord;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Notify, watch};

const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Beyond this many waiting rows a request writes the batch itself rather than queue more.
const MAX_PENDING: usize = 10_000;

pub struct UsageWriter {
    store: Store,
    pending: Mutex<Vec<UsageRecord>>,
    /// Serialises writers so a flush returns only after every earlier row is committed.
    writing: tokio::sync::Mutex<()>,
    wake: Notify,
}

impl UsageWriter {
    pub fn new(store: Store) -> Self {
        Self { store, pending: Mutex::new(Vec::new()), writing: tokio::sync::Mutex::new(()), wake: Notify::new() }
    }

    fn take(&self) -> Vec<UsageRecord> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Queues a row; writes the batch at once if too many are waiting.
    pub async fn record(&self, row: UsageRecord) {
        let backlog = {
            let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            pending.push(row);
            pending.len()
        };
        if backlog >= MAX_PENDING {
            self.flush().await;
        } else {
            self.wake.notify_one();
        }
    }

    /// Writes every queued row; returns once they are committed (or the failure is logged).
    pub async fn flush(&self) {
        let _turn = self.writing.lock().await;
        let rows = self.take();
        if rows.is_empty() {
            return;
        }
        if let Err(err) = agentline_store::usage::insert_batch(&self.store, &rows).await {
            tracing::warn!(error = %err, rows = rows.len(), "could not write the usage log");
        }
    }

    /// Flushes every [`FLUSH_EVERY`] while rows come in, until `stop`; then a last flush.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            tokio::select! {
                () = self.wake.notified() => tokio::time::sleep(FLUSH_EVERY).await,
                _ = stop.changed() => {}
            }
            self.flush().await;
        }
        self.flush().await;
    }
}
