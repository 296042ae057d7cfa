//! The RTP session driver: one task per call that, every 20 ms on an absolute schedule, plays
//! out one received frame (jitter buffer → decoder → recording) and sends one frame of ours
//! (playout queue or DTMF or silence → encoder → socket). Packets from the far end are taken
//! in between. Every decision about packets and time is made by `agentline_media`.

use super::slots::{AgentFrame, Slots};
use super::{Command, FRAME, MediaEvent, MediaHandle, MediaPlan};
use agentline_media::dtmf::{self, DtmfEvent, DtmfReceiver, DtmfSender};
use agentline_media::jitter::{Frame, JitterBuffer};
use agentline_media::rtp::{self, RtpSequencer};
use agentline_media::sdp::Negotiated;
use std::collections::VecDeque;
use std::net::SocketAddr;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Silent frames between two DTMF digits we send, so the far end sees separate key presses.
const DTMF_GAP_FRAMES: usize = 3;

/// Starts the media of a call whose SDP was negotiated to `negotiated`, on `socket`.
pub(crate) fn start(
    socket: UdpSocket,
    negotiated: Negotiated,
    plan: MediaPlan,
) -> (MediaHandle, mpsc::Receiver<MediaEvent>) {
    super::spawn_session(|inbox, events| async move {
        Session::new(socket, negotiated, &plan, events).run(inbox).await;
    })
}

/// What goes out in one send slot.
enum Outgoing {
    Event { event: DtmfEvent, timestamp: u32, first: bool },
    Gap,
}

struct Session {
    socket: UdpSocket,
    negotiated: Negotiated,
    remote: SocketAddr,
    jitter: JitterBuffer,
    dtmf_in: DtmfReceiver,
    sequencer: RtpSequencer,
    slots: Slots,
    dtmf_out: VecDeque<Outgoing>,
    pending_dtmf: VecDeque<char>,
    events: mpsc::Sender<MediaEvent>,
    packet: Vec<u8>,
    payload: Vec<u8>,
    decoded: Vec<i16>,
}

impl Session {
    fn new(socket: UdpSocket, negotiated: Negotiated, plan: &MediaPlan, events: mpsc::Sender<MediaEvent>) -> Self {
        let ssrc = rand::random::<u32>();
        Self {
            socket,
            remote: negotiated.remote,
            negotiated,
            jitter: JitterBuffer::new(plan.jitter_frames.max(1), 50),
            dtmf_in: DtmfReceiver::new(),
            sequencer: RtpSequencer::new(ssrc, rand::random(), rand::random()),
            slots: Slots::new(plan),
            dtmf_out: VecDeque::new(),
            pending_dtmf: VecDeque::new(),
            events,
            packet: Vec::with_capacity(256),
            payload: Vec::with_capacity(FRAME),
            decoded: Vec::with_capacity(FRAME),
        }
    }

    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Command>) {
        let mut buf = vec![0u8; 2048];
        let stopped = loop {
            let deadline = self.slots.deadline();
            tokio::select! {
                biased;
                command = inbox.recv() => match command {
                    Some(Command::Stop(done)) => break Some(done),
                    None => break None,
                    Some(command) => self.on_command(command),
                },
                () = tokio::time::sleep_until(deadline) => {
                    for _ in 0..self.slots.due(deadline) {
                        self.tick().await;
                    }
                    self.check_timeout().await;
                }
                received = self.socket.recv_from(&mut buf) => {
                    if let Ok((len, from)) = received {
                        self.on_packet(&buf[..len], from).await;
                    }
                }
            }
        };
        self.slots.finish();
        if let Some(done) = stopped {
            let jitter = self.jitter.stats();
            let _ = done.send(self.slots.counters.report(jitter.lost, jitter.late, self.slots.skipped()));
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Answered => self.slots.answered(),
            Command::Remote(negotiated) => {
                self.remote = negotiated.remote;
                self.negotiated = negotiated;
            }
            Command::Play(id, pcm) => {
                let idle = self.dtmf_out.is_empty() && self.pending_dtmf.is_empty();
                self.slots.play(id, &pcm, idle);
            }
            Command::Relay(id, pcm) => self.slots.play(id, &pcm, false),
            Command::Flush(done) => {
                let _ = done.send(self.slots.flush());
            }
            Command::Tap(tap) => self.slots.set_tap(tap),
            Command::SendDtmf(digits) => {
                self.pending_dtmf.extend(digits.chars());
            }
            // Handled by the loop, which ends on it.
            Command::Stop(_) => {}
        }
    }

    async fn on_packet(&mut self, bytes: &[u8], from: SocketAddr) {
        let Ok(packet) = rtp::parse(bytes) else { return };
        let pt = packet.header.payload_type;
        if Some(pt) == self.negotiated.telephone_event_pt {
            self.note_received(from);
            if let Some(digit) = self.dtmf_in.push(&packet.header, packet.payload) {
                let _ = self.events.send(MediaEvent::Dtmf(digit)).await;
            }
        } else if pt == self.negotiated.payload_type {
            self.note_received(from);
            self.jitter.push(&packet.header, packet.payload);
        }
        // Anything else (comfort noise, SIPp's PT 97 "noop", RTCP on the same port) is ignored.
    }

    /// Symmetric RTP: answer to where the callee's media really comes from, which behind NAT
    /// is not the address in its SDP.
    fn note_received(&mut self, from: SocketAddr) {
        self.slots.received();
        if from != self.remote {
            self.remote = from;
        }
    }

    async fn tick(&mut self) {
        let mut callee = [0i16; FRAME];
        self.decoded.clear();
        if let Some(Frame::Audio(payload)) = self.jitter.pop() {
            self.negotiated.codec.decode(&payload, &mut self.decoded);
            let n = self.decoded.len().min(FRAME);
            callee[..n].copy_from_slice(&self.decoded[..n]);
        }
        let (agent, sent_audio) = self.send_slot().await;
        let finished = self.slots.drain_sent();
        self.slots.close(callee, &agent, sent_audio, finished);
    }

    /// Sends this slot's packet: a DTMF event if digits are being sent, else queued speech,
    /// else silence (trunks expect a steady stream). Returns the audio we sent (for the
    /// recording) and whether it was speech.
    async fn send_slot(&mut self) -> (AgentFrame, bool) {
        if self.dtmf_out.is_empty()
            && let Some(digit) = self.pending_dtmf.pop_front()
        {
            self.queue_digit(digit);
        }
        if let Some(outgoing) = self.dtmf_out.pop_front() {
            match outgoing {
                Outgoing::Event { event, timestamp, first } => {
                    self.send_event(event, timestamp, first).await;
                    return (AgentFrame { pcm: [0; FRAME], utterance: None, started: None }, false);
                }
                Outgoing::Gap => {}
            }
        }
        let frame = self.slots.next_agent_frame();
        self.send_audio(&frame.pcm).await;
        let speech = frame.utterance.is_some();
        (frame, speech)
    }

    fn queue_digit(&mut self, digit: char) {
        let Some(events) = DtmfSender::packets(digit, 160, 10) else { return };
        if self.negotiated.telephone_event_pt.is_none() {
            tracing::warn!("the callee accepts no telephone-event; DTMF not sent");
            return;
        }
        let timestamp = self.sequencer.timestamp();
        for (i, event) in events.into_iter().enumerate() {
            self.dtmf_out.push_back(Outgoing::Event { event, timestamp, first: i == 0 });
        }
        self.dtmf_out.extend((0..DTMF_GAP_FRAMES).map(|_| Outgoing::Gap));
    }

    async fn send_event(&mut self, event: DtmfEvent, timestamp: u32, first: bool) {
        let Some(pt) = self.negotiated.telephone_event_pt else { return };
        let header = self.sequencer.next_event(pt, timestamp, first);
        self.payload.clear();
        dtmf::write_event(&event, &mut self.payload);
        self.packet.clear();
        rtp::write(&header, &self.payload, &mut self.packet);
        let _ = self.socket.send_to(&self.packet, self.remote).await;
        // Each slot of the event occupies 20 ms of the media clock, so audio after it stays in step.
        self.sequencer.advance_timestamp(FRAME as u32);
    }

    async fn send_audio(&mut self, frame: &[i16; FRAME]) {
        let header = self.sequencer.next_audio(self.negotiated.payload_type, FRAME as u32);
        self.payload.clear();
        self.negotiated.codec.encode(frame, &mut self.payload);
        self.packet.clear();
        rtp::write(&header, &self.payload, &mut self.packet);
        if self.socket.send_to(&self.packet, self.remote).await.is_ok() {
            self.slots.counters.packets_sent += 1;
        }
    }

    async fn check_timeout(&mut self) {
        if let Some(secs) = self.slots.timed_out() {
            let _ = self.events.send(MediaEvent::Timeout { secs }).await;
        }
    }
}
