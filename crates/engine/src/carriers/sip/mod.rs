//! The SIP user agent: one rsipstack endpoint per process, started with the first SIP call, and
//! the dialling of calls over SIP trunks. rsipstack does transactions, dialogs, digest auth and
//! retransmissions; what is ours is call control (`dial`) and all media (`crate::media`).

mod dial;
mod invite;

pub(crate) use dial::dial;

use crate::settings::SipSettings;
use anyhow::Context;
use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Method, StatusCode};
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::net::UdpSocket;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// The process's SIP endpoint and its RTP port range.
pub struct SipAgent {
    settings: SipSettings,
    running: OnceCell<Running>,
    next_rtp_port: AtomicU32,
    stop: CancellationToken,
}

impl std::fmt::Debug for SipAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipAgent").field("listen", &self.settings.listen).field("local", &self.local_addr()).finish()
    }
}

struct Running {
    dialogs: Arc<DialogLayer>,
    local: SocketAddr,
}

impl SipAgent {
    pub fn new(settings: SipSettings) -> Arc<Self> {
        let first = u32::from(settings.rtp_port_min);
        Arc::new(Self {
            settings,
            running: OnceCell::new(),
            next_rtp_port: AtomicU32::new(first),
            stop: CancellationToken::new(),
        })
    }

    pub fn settings(&self) -> &SipSettings {
        &self.settings
    }

    /// Where the endpoint listens, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.get().map(|r| r.local)
    }

    async fn running(&self) -> anyhow::Result<&Running> {
        self.running.get_or_try_init(|| self.start()).await
    }

    async fn start(&self) -> anyhow::Result<Running> {
        let token = self.stop.child_token();
        let transports = TransportLayer::new(token.child_token());
        let socket = tokio::net::UdpSocket::bind(self.settings.listen)
            .await
            .with_context(|| format!("cannot listen for SIP on {}", self.settings.listen))?;
        // Behind NAT the public port is the one we bound (`listen` may say port 0).
        let port = socket.local_addr()?.port();
        let external = self.settings.external_ip()?.map(|ip| SocketAddr::new(ip, port));
        let udp = UdpConnection::from_socket(Arc::new(socket), external, Some(token.child_token())).await?;
        let local = udp.get_addr().get_socketaddr().context("the SIP socket has no address")?;
        transports.add_transport(udp.into());
        let option = EndpointOption { callid_suffix: Some("agentline".to_owned()), ..Default::default() };
        let endpoint = EndpointBuilder::new()
            .with_user_agent(concat!("agentline/", env!("CARGO_PKG_VERSION")))
            .with_transport_layer(transports)
            .with_cancel_token(token.child_token())
            .with_option(option)
            .build();
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let mut incoming = endpoint.incoming_transactions().context("no SIP transaction receiver")?;
        let inner = endpoint.inner.clone();
        tokio::spawn(async move { inner.serve().await });
        let router = Arc::clone(&dialogs);
        tokio::spawn(async move {
            while let Some(mut tx) = incoming.recv().await {
                route_incoming(&router, &mut tx).await;
            }
        });
        tracing::info!(%local, "SIP user agent listening");
        Ok(Running { dialogs, local })
    }

    /// Binds a UDP socket for one call's RTP on the next free even port of the range; ports are
    /// handed out round-robin, so a port just released is not reused at once (late packets of
    /// the old call would land in the new one).
    async fn bind_rtp(&self, ip: IpAddr) -> anyhow::Result<UdpSocket> {
        let (min, max) = (u32::from(self.settings.rtp_port_min), u32::from(self.settings.rtp_port_max));
        let span = (max - min) / 2;
        let mut last_error = None;
        for _ in 0..span.min(200) {
            let slot = self.next_rtp_port.fetch_add(2, Ordering::Relaxed);
            let port = min + (slot.wrapping_sub(min) / 2 % span) * 2;
            let port = u16::try_from(port).unwrap_or(self.settings.rtp_port_min);
            match UdpSocket::bind(SocketAddr::new(ip, port)).await {
                Ok(socket) => return Ok(socket),
                Err(error) => last_error = Some(error),
            }
        }
        let why = last_error.map(|e| format!(": {e}")).unwrap_or_default();
        anyhow::bail!("no free RTP port in {min}-{max} on {ip}{why}")
    }

    /// Stops the endpoint's tasks.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }
}

/// In-dialog requests (the callee's BYE, re-INVITEs, INFO) go to their dialog. agentline only
/// places calls over SIP so far: anything outside a dialog is refused.
async fn route_incoming(dialogs: &DialogLayer, tx: &mut rsipstack::transaction::transaction::Transaction) {
    if let Some(mut dialog) = dialogs.match_dialog(tx) {
        if let Err(err) = dialog.handle(tx).await {
            tracing::debug!(error = %err, "in-dialog request failed");
        }
        return;
    }
    let status = match tx.original.method {
        Method::Invite => StatusCode::TemporarilyUnavailable,
        Method::Ack => return,
        _ => StatusCode::CallTransactionDoesNotExist,
    };
    let _ = tx.reply(status).await;
}
