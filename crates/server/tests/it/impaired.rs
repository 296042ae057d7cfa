//! A bad network between agentline and a SIP peer, in user space: the kernel's `netem` is not
//! available on every machine (this project's CI has no `sch_netem`), so a relay plays a 1:1
//! NAT in front of agentline and loses, delays (with jitter, so packets overtake each other)
//! and duplicates the datagrams that cross it. agentline's `sip.external_ip` names the relay's
//! address, so the peer's SIP and RTP reach agentline only through it, as behind a real NAT.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

/// What the network does to each datagram, like `tc qdisc … netem loss 5% delay 60ms 40ms duplicate 2%`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Impairment {
    pub loss: f64,
    pub delay_ms: u64,
    pub jitter_ms: u64,
    pub duplicate: f64,
}

impl Impairment {
    pub(crate) const NONE: Self = Self { loss: 0.0, delay_ms: 0, jitter_ms: 0, duplicate: 0.0 };
}

/// What the network did to the datagrams on their way in to agentline.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// RTP packets of G.711 audio (payload type 0 or 8) the network lost: what a jitter buffer
    /// can count as lost (DTMF events are not audio).
    pub dropped_audio: AtomicU64,
    pub duplicated: AtomicU64,
}

/// The relay's public address: agentline's `sip.external_ip`.
pub(crate) const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const INSIDE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Running while held; dropping it closes every forwarded port.
pub(crate) struct Relay {
    tasks: JoinSet<()>,
    pub inward: Arc<Counts>,
}

impl Relay {
    pub(crate) fn new() -> Self {
        Self { tasks: JoinSet::new(), inward: Arc::default() }
    }

    /// Forwards `OUTSIDE:port` to agentline's `127.0.0.1:port` and agentline's answers back to
    /// whoever last wrote from outside (a NAT's port mapping), impairing both directions.
    pub(crate) async fn forward(&mut self, port: u16, impairment: Impairment, seed: u64) {
        let socket = UdpSocket::bind(SocketAddr::new(OUTSIDE, port)).await.expect("127.0.0.2 is on loopback");
        let port_forward = PortForward {
            socket: Arc::new(socket),
            inside: SocketAddr::new(INSIDE, port),
            impairment,
            // One die per direction: what happens to one direction's packets does not depend
            // on how the two directions' packets interleave.
            dice: [Dice(seed), Dice(!seed)],
            inward: Arc::clone(&self.inward),
        };
        self.tasks.spawn(port_forward.run());
    }
}

struct PortForward {
    socket: Arc<UdpSocket>,
    inside: SocketAddr,
    impairment: Impairment,
    dice: [Dice; 2],
    inward: Arc<Counts>,
}

impl PortForward {
    async fn run(mut self) {
        let mut outside_peer = None;
        let mut buf = vec![0u8; 2048];
        while let Ok((len, from)) = self.socket.recv_from(&mut buf).await {
            let to = if from == self.inside {
                match outside_peer {
                    Some(peer) => peer,
                    None => continue,
                }
            } else {
                outside_peer = Some(from);
                self.inside
            };
            self.pass(buf[..len].to_vec(), to, to == self.inside);
        }
    }

    /// Sends one datagram on after the network's delay, or loses it, or sends it twice.
    fn pass(&mut self, datagram: Vec<u8>, to: SocketAddr, inward: bool) {
        let impairment = self.impairment;
        let dice = &mut self.dice[usize::from(inward)];
        let counts = inward.then_some(&*self.inward);
        if dice.roll() < impairment.loss {
            if let Some(counts) = counts
                && matches!(datagram.get(1).map(|b| b & 0x7f), Some(0 | 8))
            {
                counts.dropped_audio.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        let copies = if dice.roll() < impairment.duplicate { 2 } else { 1 };
        if let (Some(counts), 2) = (counts, copies) {
            counts.duplicated.fetch_add(1, Ordering::Relaxed);
        }
        for _ in 0..copies {
            let delay = impairment.delay(dice);
            let (socket, datagram) = (Arc::clone(&self.socket), datagram.clone());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = socket.send_to(&datagram, to).await;
            });
        }
    }
}

impl Impairment {
    /// `delay_ms` ± `jitter_ms`, uniformly.
    fn delay(&self, dice: &mut Dice) -> Duration {
        let ms = self.delay_ms as f64 + (dice.roll() * 2.0 - 1.0) * self.jitter_ms as f64;
        Duration::from_micros((ms.max(0.0) * 1000.0) as u64)
    }
}

/// splitmix64: the same impairments on every run of a test.
struct Dice(u64);

impl Dice {
    /// Uniform in [0, 1).
    fn roll(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
