//! A running media stream: Twilio's half of the WebSocket. Media goes out every 20 ms on absolute
//! deadlines (start + n·20 ms, so it never drifts); each frame also plays one frame of the server's
//! queued audio. Server messages are handled as they arrive; a command or the script's hangup
//! ends the stream with `stop` and a close.

use super::log::{MarkEcho, Received, StreamEnd, StreamLog};
use super::messages::{self, FromServer, StreamIdentity};
use super::playback::Playback;
use super::{Command, Shared};
use crate::script::{CallerScript, FRAME, ScriptPlayer};
use agentline_media::g711::{ulaw_decode, ulaw_encode};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Source = SplitStream<Socket>;

/// How long to wait for the server's answer to our close before giving up on it.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What a stream needs to run.
pub(crate) struct Setup {
    pub(crate) identity: StreamIdentity,
    pub(crate) stream_sid: String,
    pub(crate) script: CallerScript,
}

struct Session {
    sink: SplitSink<Socket, Message>,
    identity: StreamIdentity,
    stream_sid: String,
    /// The last `sequenceNumber` used.
    sequence: u64,
    /// Media frames sent so far.
    frames: u64,
    started: Instant,
    playback: Playback,
    player: ScriptPlayer,
    shared: Arc<Shared>,
}

/// Runs the stream until it ends, then records how.
pub(crate) async fn run(socket: Socket, setup: Setup, shared: Arc<Shared>, commands: mpsc::UnboundedReceiver<Command>) {
    let (sink, mut source) = socket.split();
    let mut session = Session {
        sink,
        identity: setup.identity,
        stream_sid: setup.stream_sid,
        sequence: 0,
        frames: 0,
        started: Instant::now(),
        playback: Playback::default(),
        player: ScriptPlayer::new(setup.script),
        shared,
    };
    let end = session.drive(&mut source, commands).await;
    session.finish(source, end).await;
}

impl Session {
    async fn drive(&mut self, source: &mut Source, mut commands: mpsc::UnboundedReceiver<Command>) -> StreamEnd {
        if let Err(end) = self.open().await {
            return end;
        }
        let mut commands_open = true;
        loop {
            let deadline = self.started + frame_time(self.frames);
            let step = tokio::select! {
                command = commands.recv(), if commands_open => match command {
                    Some(Command::HangUp) => Err(StreamEnd::CallerHungUp),
                    Some(Command::EndCall) => Err(StreamEnd::CallEnded),
                    None => {
                        commands_open = false;
                        Ok(())
                    }
                },
                message = source.next() => self.receive(message).await,
                () = sleep_until(deadline) => self.tick().await,
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// `connected`, then `start`; the stream's clock starts with `start`.
    async fn open(&mut self) -> Result<(), StreamEnd> {
        self.send(messages::connected()).await?;
        let sequence = self.next_sequence();
        self.send(messages::start(sequence, &self.stream_sid, &self.identity)).await?;
        self.started = Instant::now();
        Ok(())
    }

    /// One 20 ms frame: play the server's audio, then send the caller's.
    async fn tick(&mut self) -> Result<(), StreamEnd> {
        let played = self.playback.tick();
        let frame_start = frame_time(self.frames);
        self.with_log(|log| {
            log.played.extend(played.ulaw.iter().map(|&b| ulaw_decode(b)));
            log.played_audio_bytes += played.audio_bytes;
            if played.audio_bytes > 0 && log.first_agent_audio_at.is_none() {
                log.first_agent_audio_at = Some(frame_start);
            }
        });
        for name in played.marks {
            self.echo_mark(name, false).await?;
        }
        let frame = self.player.next_frame(played.audio_bytes > 0);
        self.with_log(|log| log.script_timeouts.extend(&frame.timed_out));
        for digit in frame.dtmf {
            let sequence = self.next_sequence();
            self.send(messages::dtmf(sequence, &self.stream_sid, digit)).await?;
            let at = self.elapsed();
            self.with_log(|log| log.dtmf_sent.push((digit, at)));
        }
        if frame.hangup {
            return Err(StreamEnd::CallerHungUp);
        }
        self.send_audio(&frame.pcm).await
    }

    async fn send_audio(&mut self, pcm: &[i16]) -> Result<(), StreamEnd> {
        let ulaw: Vec<u8> = pcm.iter().map(|&sample| ulaw_encode(sample)).collect();
        let sequence = self.next_sequence();
        let timestamp_ms = self.frames * FRAME.as_millis() as u64;
        self.send(messages::media(sequence, &self.stream_sid, self.frames + 1, timestamp_ms, &ulaw)).await?;
        self.frames += 1;
        let finished = self.player.finished();
        let at = self.elapsed();
        self.with_log(|log| {
            log.caller_sent.extend(ulaw.iter().map(|&b| ulaw_decode(b)));
            if finished && log.script_finished_at.is_none() {
                log.script_finished_at = Some(at);
            }
        });
        Ok(())
    }

    async fn receive(&mut self, message: Option<Result<Message, tungstenite::Error>>) -> Result<(), StreamEnd> {
        match message {
            None => Err(StreamEnd::ConnectionLost("the connection closed without a close frame".into())),
            Some(Err(error)) => Err(StreamEnd::ConnectionLost(error.to_string())),
            Some(Ok(Message::Close(_))) => Err(StreamEnd::ServerClosed),
            Some(Ok(Message::Text(text))) => self.handle(text.as_str()).await,
            Some(Ok(Message::Binary(bytes))) => {
                let error = format!("a binary message ({} bytes); Media Streams speaks JSON text", bytes.len());
                self.record(String::new(), String::new(), Some(error));
                Ok(())
            }
            // Pings are answered by the WebSocket layer.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(()),
        }
    }

    /// A text message from the server; a malformed one is counted and otherwise ignored.
    async fn handle(&mut self, text: &str) -> Result<(), StreamEnd> {
        let event = messages::event_of(text);
        let message = match messages::parse(text, &self.stream_sid) {
            Ok(message) => message,
            Err(error) => {
                self.record(event, text.to_owned(), Some(error));
                return Ok(());
            }
        };
        self.record(event, text.to_owned(), None);
        match message {
            FromServer::Media(ulaw) => {
                self.with_log(|log| log.media_bytes_received += ulaw.len());
                self.playback.push(&ulaw);
            }
            FromServer::Mark(name) => {
                if let Some(name) = self.playback.mark(name) {
                    self.echo_mark(name, false).await?;
                }
            }
            FromServer::Clear => self.clear().await?,
        }
        Ok(())
    }

    async fn clear(&mut self) -> Result<(), StreamEnd> {
        let cleared = self.playback.clear();
        let at = self.elapsed();
        self.with_log(|log| {
            log.clears.push(at);
            log.bytes_dropped_by_clear += cleared.dropped_bytes;
        });
        for name in cleared.marks {
            self.echo_mark(name, true).await?;
        }
        Ok(())
    }

    async fn echo_mark(&mut self, name: String, cleared: bool) -> Result<(), StreamEnd> {
        let sequence = self.next_sequence();
        self.send(messages::mark(sequence, &self.stream_sid, &name)).await?;
        let at = self.elapsed();
        self.with_log(|log| log.marks_echoed.push(MarkEcho { name, at, cleared }));
        Ok(())
    }

    /// Closes the stream the way its end calls for, then records the end.
    async fn finish(mut self, mut source: Source, end: StreamEnd) {
        match end {
            StreamEnd::CallerHungUp | StreamEnd::CallEnded => {
                let sequence = self.next_sequence();
                let _ = self.send(messages::stop(sequence, &self.stream_sid, &self.identity)).await;
                let _ = self.sink.close().await;
                // Wait (briefly) for the server's side of the closing handshake.
                let _ = timeout(CLOSE_GRACE, async { while let Some(Ok(_)) = source.next().await {} }).await;
            }
            // Sends our half of the closing handshake the server started.
            StreamEnd::ServerClosed => {
                let _ = self.sink.close().await;
            }
            StreamEnd::ConnectionLost(_) => {}
        }
        let at = self.elapsed();
        self.with_log(|log| log.ended = Some((end.clone(), at)));
        self.shared.ended.send_replace(Some(end));
    }

    fn record(&self, event: String, text: String, error: Option<String>) {
        let at = self.elapsed();
        self.with_log(|log| {
            log.malformed += usize::from(error.is_some());
            log.received.push(Received { at, event, text, error });
        });
    }

    async fn send(&mut self, text: String) -> Result<(), StreamEnd> {
        self.sink.send(Message::text(text)).await.map_err(|error| StreamEnd::ConnectionLost(error.to_string()))
    }

    fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn with_log<R>(&self, change: impl FnOnce(&mut StreamLog) -> R) -> R {
        change(&mut crate::lock(&self.shared.log))
    }
}

/// When frame `n` is due, from the stream's start.
fn frame_time(n: u64) -> Duration {
    Duration::from_millis(n.saturating_mul(FRAME.as_millis() as u64))
}
