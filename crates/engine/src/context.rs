//! What one live call's tasks may reach, on the engine's ground floor: the store, the settings,
//! the webhook wake-up, and the call's own supervisor. The conversation gets this, never the
//! node-wide runtime, so its orders go straight to its supervisor and nowhere else.

use crate::leg::CallCommand;
use crate::settings::Settings;
use crate::webhooks::WebhookWorker;
use agentline_domain::{CallId, Timestamp};
use agentline_store::Store;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A live call's narrow view of the node; cheap to clone.
#[derive(Clone)]
pub struct CallContext {
    store: Store,
    settings: Arc<Settings>,
    webhooks: Arc<WebhookWorker>,
    commands: mpsc::Sender<CallCommand>,
}

impl CallContext {
    pub(crate) fn new(
        store: Store,
        settings: Arc<Settings>,
        webhooks: Arc<WebhookWorker>,
        commands: mpsc::Sender<CallCommand>,
    ) -> Self {
        Self { store, settings, webhooks, commands }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A call event was committed: its webhook deliveries are due now.
    pub fn event_recorded(&self) {
        self.webhooks.wake();
    }

    /// Orders the call's own supervisor; false when it is no longer listening (the call ended).
    pub async fn command(&self, command: CallCommand) -> bool {
        self.commands.send(command).await.is_ok()
    }

    /// Records something that happened on the call without changing its status (a key press, a
    /// moment of the conversation).
    pub async fn record_activity(&self, call: &CallId, event_type: &str, payload: serde_json::Value) {
        let recorded =
            agentline_store::lifecycle::record_activity(&self.store, call, event_type, payload, Timestamp::now());
        match recorded.await {
            Ok(()) => self.event_recorded(),
            Err(err) => tracing::warn!(call_id = %call, error = %err, event_type, "could not record a call event"),
        }
    }
}
