//! The media of a call carried by a Twilio Media Stream: one task per call that, every 20 ms on an
//! absolute schedule, takes one frame of the caller's audio (as Twilio delivered it) and sends one
//! frame of ours as a `media` message. Marks sent along the audio come back when Twilio has played
//! it, which tells the conversation what the caller actually heard; a barge-in sends `clear`, so
//! Twilio drops what it buffered instead of talking over the caller.

use super::slots::Slots;
use super::{Command, FRAME, MediaEvent, MediaHandle, MediaPlan};
use agentline_media::dtmf;
use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_media::heard::HeardTracker;
use agentline_media::playout::{PlayedUtterance, UtteranceId};
use agentline_media::twilio_stream::{self, Inbound};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::VecDeque;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Most caller audio held when Twilio delivers faster than we play (1 s); older audio is dropped.
const MAX_BUFFERED_SAMPLES: usize = 8_000;
/// Utterance ids of in-band DTMF tones, far above any the conversation uses.
const DTMF_UTTERANCES: UtteranceId = u64::MAX / 2;

/// The socket had closed when we sent on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketClosed;

/// A Media Stream's WebSocket as the engine sees it: the text messages Twilio sends, ending when
/// the socket closes, and a sink for ours (closing it closes the socket). The HTTP server adapts
/// its WebSocket to this, so the engine knows no HTTP framework.
pub trait TextSocket: Stream<Item = Bytes> + Sink<String, Error = SocketClosed> + Send + Unpin {}

impl<T> TextSocket for T where T: Stream<Item = Bytes> + Sink<String, Error = SocketClosed> + Send + Unpin {}

/// A stream's socket, handed from the HTTP server to the call running it.
pub type StreamSocket = Box<dyn TextSocket>;

/// Starts the media of a call whose Twilio stream `stream_sid` is open on `socket`.
pub fn start(socket: StreamSocket, stream_sid: String, plan: MediaPlan) -> (MediaHandle, mpsc::Receiver<MediaEvent>) {
    super::spawn_session(|inbox, events| async move {
        StreamSession::new(socket, stream_sid, &plan, events).run(inbox).await;
    })
}

/// Why the loop stopped.
enum Stopped {
    /// We were told to (the call ended here).
    Told(Option<tokio::sync::oneshot::Sender<super::MediaStats>>),
    /// Twilio ended the stream (`stop`, or the socket closed).
    ByTwilio,
}

struct StreamSession {
    socket: StreamSocket,
    stream_sid: String,
    slots: Slots,
    heard: HeardTracker,
    /// Caller audio received and not yet played.
    inbound: VecDeque<i16>,
    /// Utterances Twilio finished playing since the last slot.
    finished: Vec<PlayedUtterance>,
    events: mpsc::Sender<MediaEvent>,
    started: Instant,
    next_dtmf: UtteranceId,
    malformed: u64,
    ulaw: Vec<u8>,
    text: String,
}

impl StreamSession {
    fn new(socket: StreamSocket, stream_sid: String, plan: &MediaPlan, events: mpsc::Sender<MediaEvent>) -> Self {
        Self {
            socket,
            stream_sid,
            slots: Slots::new(plan),
            heard: HeardTracker::new(),
            inbound: VecDeque::with_capacity(MAX_BUFFERED_SAMPLES),
            finished: Vec::new(),
            events,
            started: Instant::now(),
            next_dtmf: DTMF_UTTERANCES,
            malformed: 0,
            ulaw: Vec::with_capacity(FRAME),
            text: String::with_capacity(512),
        }
    }

    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Command>) {
        let stopped = loop {
            let deadline = self.slots.deadline();
            tokio::select! {
                biased;
                command = inbox.recv() => match command {
                    Some(Command::Stop(done)) => break Stopped::Told(Some(done)),
                    None => break Stopped::Told(None),
                    Some(command) => self.on_command(command).await,
                },
                () = tokio::time::sleep_until(deadline) => {
                    for _ in 0..self.slots.due(deadline) {
                        self.tick().await;
                    }
                    self.check_timeout().await;
                }
                message = self.socket.next() => match message {
                    Some(text) => {
                        if self.on_message(&text).await.is_break() {
                            break Stopped::ByTwilio;
                        }
                    }
                    None => break Stopped::ByTwilio,
                },
            }
        };
        self.slots.finish();
        if self.malformed > 0 {
            tracing::warn!(malformed = self.malformed, "ignored malformed Media Streams messages");
        }
        match stopped {
            Stopped::Told(done) => {
                let _ = self.socket.close().await;
                if let Some(done) = done {
                    let _ = done.send(self.figures());
                }
            }
            Stopped::ByTwilio => {
                let _ = self.events.send(MediaEvent::Closed).await;
                // Stay until told to stop, so the call's control still gets the figures.
                while let Some(command) = inbox.recv().await {
                    if let Command::Stop(done) = command {
                        let _ = done.send(self.figures());
                        break;
                    }
                }
            }
        }
    }

    /// The session's media figures; nothing is lost or late on a stream over TCP.
    fn figures(&self) -> super::MediaStats {
        self.slots.counters.report(0, 0, self.slots.skipped())
    }

    async fn on_command(&mut self, command: Command) {
        match command {
            Command::Answered => self.slots.answered(),
            Command::Play(id, pcm) => self.slots.play(id, &pcm, true),
            Command::Relay(id, pcm) => self.slots.play(id, &pcm, false),
            Command::Flush(done) => {
                let cut = self.slots.flush();
                let clear = twilio_stream::clear(&self.stream_sid);
                self.send_text(clear).await;
                let _ = done.send(self.heard.clear(&cut, self.started.elapsed()));
            }
            Command::SendDtmf(digits) => {
                for digit in digits.chars() {
                    if let Some(pcm) = dtmf::tone(digit, 100, 60) {
                        self.slots.play(self.next_dtmf, &pcm, true);
                        self.next_dtmf += 1;
                    }
                }
            }
            Command::Tap(tap) => self.slots.set_tap(tap),
            // RTP's concerns; Stop is handled by the loop.
            Command::Remote(_) | Command::Stop(_) => {}
        }
    }

    /// Handles one message from Twilio; `Break` when the stream is over.
    async fn on_message(&mut self, text: &[u8]) -> std::ops::ControlFlow<()> {
        let Ok(text) = std::str::from_utf8(text) else {
            self.malformed += 1;
            return std::ops::ControlFlow::Continue(());
        };
        match twilio_stream::parse(text) {
            Ok(Inbound::Media(ulaw)) => self.received(&ulaw),
            Ok(Inbound::Mark(name)) => {
                if let Some(done) = self.heard.echoed(&name, self.started.elapsed()) {
                    self.finished.push(done);
                }
            }
            Ok(Inbound::Dtmf(digit)) => {
                let _ = self.events.send(MediaEvent::Dtmf(digit)).await;
            }
            Ok(Inbound::Stop) => return std::ops::ControlFlow::Break(()),
            Ok(Inbound::Connected | Inbound::Start(_)) => {}
            Err(err) => {
                self.malformed += 1;
                tracing::debug!(error = %err, "malformed Media Streams message");
            }
        }
        std::ops::ControlFlow::Continue(())
    }

    fn received(&mut self, ulaw: &[u8]) {
        self.slots.received();
        self.inbound.extend(ulaw.iter().map(|&code| ulaw_decode(code)));
        let excess = self.inbound.len().saturating_sub(MAX_BUFFERED_SAMPLES);
        self.inbound.drain(..excess);
    }

    async fn tick(&mut self) {
        let mut caller = [0i16; FRAME];
        if self.inbound.len() >= FRAME {
            for (slot, sample) in caller.iter_mut().zip(self.inbound.drain(..FRAME)) {
                *slot = sample;
            }
        }
        let agent = self.slots.next_agent_frame();
        if let Some(id) = agent.utterance {
            self.send_frame(&agent.pcm).await;
            if let Some(mark) = self.heard.frame_sent(id, self.started.elapsed()) {
                self.send_mark(&mark).await;
            }
        }
        for sent in self.slots.drain_sent() {
            let mark = self.heard.utterance_sent(sent.id, sent.total_samples);
            self.send_mark(&mark).await;
        }
        let finished = std::mem::take(&mut self.finished);
        self.slots.close(caller, &agent, agent.utterance.is_some(), finished);
    }

    async fn send_frame(&mut self, pcm: &[i16; FRAME]) {
        self.ulaw.clear();
        self.ulaw.extend(pcm.iter().map(|&sample| ulaw_encode(sample)));
        let mut text = std::mem::take(&mut self.text);
        twilio_stream::write_media(&self.stream_sid, &self.ulaw, &mut text);
        if self.socket.send(text.clone()).await.is_ok() {
            self.slots.counters.packets_sent += 1;
        }
        self.text = text;
    }

    async fn send_mark(&mut self, name: &str) {
        let mark = twilio_stream::mark(&self.stream_sid, name);
        self.send_text(mark).await;
    }

    async fn send_text(&mut self, text: String) {
        let _ = self.socket.send(text).await;
    }

    async fn check_timeout(&mut self) {
        if let Some(secs) = self.slots.timed_out() {
            let _ = self.events.send(MediaEvent::Timeout { secs }).await;
        }
    }
}
