//! The nodes of one Postgres as one system: an order for a call taken by any node reaches the
//! node that runs the call, and every node hears of each call event as it commits (live event
//! streams wait on that instead of polling). Carried by the store's `LISTEN`/`NOTIFY`
//! (`agentline_store::cluster`); on SQLite there is one node and this stays idle.

use crate::leg::CallCommand;
use agentline_domain::transfer::{TransferMode, TransferRequest};
use agentline_domain::{CallId, PhoneNumber};
use agentline_store::Store;
use agentline_store::cluster::{self, Listener, Notification};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// How long to wait before listening again after the connection was lost.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// This node's place in the cluster.
pub struct Cluster {
    node: String,
    events: broadcast::Sender<CallId>,
    listening: AtomicBool,
}

/// An order on its way to the node that runs the call.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    node: String,
    call_id: String,
    #[serde(flatten)]
    command: Wire,
}

/// The orders that travel between nodes (those a client can give through the API).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
enum Wire {
    End,
    SendDtmf { digits: String },
    Transfer { to: String, mode: TransferMode, whisper: Option<String> },
}

impl Wire {
    fn of(command: &CallCommand) -> Option<Self> {
        match command {
            CallCommand::End => Some(Self::End),
            CallCommand::SendDtmf(digits) => Some(Self::SendDtmf { digits: digits.clone() }),
            CallCommand::Transfer(t) => {
                Some(Self::Transfer { to: t.to.as_str().to_owned(), mode: t.mode, whisper: t.whisper.clone() })
            }
            CallCommand::Shutdown | CallCommand::Hangup(..) => None,
        }
    }

    fn into_command(self) -> Option<CallCommand> {
        Some(match self {
            Self::End => CallCommand::End,
            Self::SendDtmf { digits } => CallCommand::SendDtmf(digits),
            Self::Transfer { to, mode, whisper } => {
                let to = PhoneNumber::parse_or_fictional(&to).ok()?;
                CallCommand::Transfer(TransferRequest { to, mode, whisper })
            }
        })
    }
}

impl Cluster {
    pub fn new(node: &str) -> Arc<Self> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(Self { node: node.to_owned(), events, listening: AtomicBool::new(false) })
    }

    /// Ids of calls whose events are committed, on any node, from now on (while listening).
    pub fn events(&self) -> broadcast::Receiver<CallId> {
        self.events.subscribe()
    }

    /// Whether this node hears the cluster now: when not, event streams fall back to reading
    /// the database often.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Sends `command` for `call` to node `owner`; false when it cannot travel (SQLite, or an
    /// order only the node itself gives).
    pub async fn send(&self, store: &Store, owner: &str, call: &CallId, command: &CallCommand) -> bool {
        let Some(wire) = Wire::of(command) else { return false };
        let order = Order { node: owner.to_owned(), call_id: call.to_string(), command: wire };
        let Ok(payload) = serde_json::to_string(&order) else { return false };
        match cluster::notify(store, cluster::COMMANDS, &payload).await {
            Ok(sent) => sent,
            Err(err) => {
                tracing::warn!(call_id = %call, owner, error = %err, "could not send an order to the call's node");
                false
            }
        }
    }

    /// Listens until `stop`, handing this node's orders to `orders` and announcing events.
    pub async fn run(
        self: Arc<Self>,
        store: Store,
        orders: mpsc::Sender<(CallId, CallCommand)>,
        mut stop: watch::Receiver<bool>,
    ) {
        while !*stop.borrow() {
            let mut listener = match Listener::open(&store).await {
                Ok(Some(listener)) => listener,
                Ok(None) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen to the other nodes; retrying");
                    let _ = tokio::time::timeout(RELISTEN_AFTER, stop.changed()).await;
                    continue;
                }
            };
            self.listening.store(true, Ordering::Relaxed);
            self.hear(&mut listener, &orders, &mut stop).await;
            self.listening.store(false, Ordering::Relaxed);
        }
    }

    async fn hear(
        &self,
        listener: &mut Listener,
        orders: &mpsc::Sender<(CallId, CallCommand)>,
        stop: &mut watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                received = listener.recv() => match received {
                    Ok(notification) => self.handle(notification, orders).await,
                    Err(err) => {
                        tracing::warn!(error = %err, "lost the connection that hears the other nodes");
                        return;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    }

    async fn handle(&self, notification: Notification, orders: &mpsc::Sender<(CallId, CallCommand)>) {
        if notification.channel == cluster::EVENTS {
            if let Ok(id) = CallId::parse(&notification.payload) {
                let _ = self.events.send(id);
            }
            return;
        }
        match self.order_for_me(&notification.payload) {
            Some(order) => {
                let _ = orders.send(order).await;
            }
            None => tracing::trace!(payload = %notification.payload, "an order for another node, or unreadable"),
        }
    }

    fn order_for_me(&self, payload: &str) -> Option<(CallId, CallCommand)> {
        let order: Order = serde_json::from_str(payload).ok()?;
        if order.node != self.node {
            return None;
        }
        Some((CallId::parse(&order.call_id).ok()?, order.command.into_command()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_travel_as_json_and_only_to_their_node() {
        let cluster = Cluster::new("node-b");
        let id = CallId::generate();
        let transfer = CallCommand::Transfer(TransferRequest {
            to: PhoneNumber::parse("+14155550123").unwrap(),
            mode: TransferMode::Warm,
            whisper: Some("Ada, about her bill".into()),
        });
        for command in [CallCommand::End, CallCommand::SendDtmf("12#".into()), transfer] {
            let order = Order { node: "node-b".into(), call_id: id.to_string(), command: Wire::of(&command).unwrap() };
            let payload = serde_json::to_string(&order).unwrap();
            assert_eq!(cluster.order_for_me(&payload), Some((id.clone(), command)));
            let elsewhere = payload.replace("node-b", "node-c");
            assert_eq!(cluster.order_for_me(&elsewhere), None);
        }
        assert!(Wire::of(&CallCommand::Shutdown).is_none(), "a node's own shutdown never travels");
        for garbage in ["", "{}", "null", r#"{"node":"node-b","call_id":"x","command":"end"}"#] {
            assert_eq!(cluster.order_for_me(garbage), None, "{garbage}");
        }
    }
}
