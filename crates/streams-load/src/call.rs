//! One emulated Twilio call: connects, streams the caller's audio on absolute 20 ms deadlines,
//! plays the server's audio back like Twilio, and records what each turn got.

use crate::playback::Playback;
use crate::speech::{FRAME_SAMPLES, RATE_HZ, is_silent};
use crate::twilio::{self, Malformed, ServerMessage, Sids};
use futures_util::{SinkExt as _, StreamExt as _};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Inbound frame period.
pub(crate) const TICK: Duration = Duration::from_millis(20);
/// A tick this late (or later) counts as a late tick of the load generator itself.
const LATE_TICK: Duration = Duration::from_millis(5);

/// The caller's side of a call, in 20 ms frames.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    /// Silence before the first burst.
    pub(crate) lead_in: u64,
    /// Frames per speech burst.
    pub(crate) speech: u64,
    /// Frames of silence after each burst.
    pub(crate) pause: u64,
    /// Bursts (each followed by its pause).
    pub(crate) cycles: u64,
    /// Silence after the last pause, so the last turn's reply has as long to arrive as the
    /// others' (which run on into the next burst).
    pub(crate) tail: u64,
}

/// What frame `n` of the stream carries.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Silence,
    Speech { index: usize, first: bool, last: bool },
}

impl Schedule {
    /// Frames in the whole stream.
    pub(crate) fn total(&self) -> u64 {
        self.lead_in + self.cycles * (self.speech + self.pause) + self.tail
    }

    /// From the start of the stream to the end of the last cycle (before the tail).
    pub(crate) fn cycles_end(&self) -> Duration {
        TICK * u32::try_from(self.total() - self.tail).unwrap_or(u32::MAX)
    }

    fn frame(&self, n: u64) -> Frame {
        let period = self.speech + self.pause;
        if n < self.lead_in || period == 0 || n >= self.lead_in + self.cycles * period {
            return Frame::Silence;
        }
        let position = (n - self.lead_in) % period;
        if position >= self.speech {
            return Frame::Silence;
        }
        Frame::Speech { index: position as usize, first: position == 0, last: position + 1 == self.speech }
    }
}

/// Everything one call needs; the audio is shared between calls.
#[derive(Clone, Debug)]
pub(crate) struct CallPlan {
    pub(crate) url: String,
    pub(crate) sids: Sids,
    /// When to connect.
    pub(crate) start_at: Instant,
    pub(crate) schedule: Schedule,
    /// Base64 μ-law payloads of the burst, one per frame.
    pub(crate) speech: Arc<[String]>,
    /// Base64 of one frame of μ-law silence.
    pub(crate) silence: Arc<str>,
    pub(crate) connect_timeout: Duration,
}

/// What one caller turn got back.
#[derive(Clone, Debug, Default)]
pub(crate) struct TurnReport {
    /// End of the burst (last speech frame sent) to the first audible server `media`.
    pub(crate) latency_ms: Option<f64>,
    /// Whether that reply began before the caller's next burst.
    pub(crate) before_next_speech: bool,
    /// Audible reply audio received before the caller's next burst ended.
    pub(crate) audio_bytes: u64,
}

/// Event counts for one call (summed over calls in the report).
#[derive(Clone, Debug, Default)]
pub(crate) struct Counters {
    /// Server `media` messages, audible or not.
    pub(crate) media: u64,
    /// Of which were digital silence (ignored for latency, reply audio and gaps).
    pub(crate) silent_media: u64,
    /// Audible media before the first turn ended.
    pub(crate) early_media: u64,
    pub(crate) marks_received: u64,
    pub(crate) marks_echoed: u64,
    pub(crate) clears: u64,
    /// Valid JSON with an event Twilio does not act on.
    pub(crate) other_events: u64,
    /// Unparseable text frames, media without a valid payload, marks without a name, binary frames.
    pub(crate) malformed: u64,
    /// Times the playback buffer ran dry mid-reply and more of the reply came later.
    pub(crate) underruns: u64,
    /// Silence those dry spells put into the reply.
    pub(crate) underrun_ms: u64,
    /// Ticks the load generator sent 5 ms or more after their deadline.
    pub(crate) late_ticks: u64,
}

/// Everything measured on one call.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallReport {
    pub(crate) connected: bool,
    /// Streamed to the end and sent `stop`.
    pub(crate) completed: bool,
    pub(crate) error: Option<String>,
    pub(crate) turns: Vec<TurnReport>,
    /// Between consecutive audible server media within one reply.
    pub(crate) gaps_ms: Vec<f64>,
    /// Arrival minus (first arrival of the reply + audio already received in it).
    pub(crate) late_ms: Vec<f64>,
    /// Payload bytes of each audible server media message.
    pub(crate) payload_sizes: Vec<u32>,
    pub(crate) counters: Counters,
    /// Worst lateness of the load generator's own ticks.
    pub(crate) max_tick_lag_ms: f64,
}

/// A turn in progress.
#[derive(Debug)]
struct Turn {
    ended_at: Instant,
    first_at: Option<Instant>,
    last_at: Option<Instant>,
    audio_bytes: u64,
    next_speech_started: bool,
    report: TurnReport,
    /// Playback has played some of this reply.
    played_any: bool,
    /// Consecutive empty ticks since it last played.
    starved_ticks: u64,
}

/// Runs one call to the end; errors end up in the report.
pub(crate) async fn run(plan: CallPlan) -> CallReport {
    sleep_until(plan.start_at).await;
    let mut call = Call::new(&plan);
    let socket = match connect(&plan).await {
        Ok(socket) => socket,
        Err(error) => {
            call.report.error = Some(format!("connect: {error}"));
            return call.report;
        }
    };
    call.report.connected = true;
    if let Err(error) = call.stream(socket).await {
        call.report.error = Some(error.to_string());
    }
    call.finish()
}

async fn connect(plan: &CallPlan) -> anyhow::Result<Socket> {
    let (socket, _) = timeout(plan.connect_timeout, connect_async(plan.url.as_str()))
        .await
        .map_err(|_| anyhow::anyhow!("timed out after {:?}", plan.connect_timeout))??;
    Ok(socket)
}

struct Call<'a> {
    plan: &'a CallPlan,
    sequence: u64,
    playback: Playback,
    turns: Vec<Turn>,
    report: CallReport,
}

impl<'a> Call<'a> {
    fn new(plan: &'a CallPlan) -> Self {
        Self { plan, sequence: 1, playback: Playback::default(), turns: Vec::new(), report: CallReport::default() }
    }

    /// Sends `connected` and `start`, then one frame per tick until the schedule ends, reading
    /// the server in between; then `stop` and a close.
    async fn stream(&mut self, mut socket: Socket) -> anyhow::Result<()> {
        socket.send(Message::text(twilio::connected())).await?;
        socket.send(Message::text(twilio::start(&self.plan.sids))).await?;
        let t0 = Instant::now();
        let total = self.plan.schedule.total();
        let mut n = 0;
        while n < total {
            let deadline = t0 + TICK * u32::try_from(n)?;
            tokio::select! {
                () = sleep_until(deadline) => {
                    self.tick(&mut socket, n, deadline).await?;
                    n += 1;
                }
                message = socket.next() => self.receive(&mut socket, message).await?,
            }
        }
        self.sequence += 1;
        socket.send(Message::text(twilio::stop(&self.plan.sids, self.sequence))).await?;
        self.report.completed = true;
        let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
        Ok(())
    }

    /// Sends frame `n`, notes turn boundaries, and plays 20 ms of the server's audio.
    async fn tick(&mut self, socket: &mut Socket, n: u64, deadline: Instant) -> anyhow::Result<()> {
        self.note_lag(deadline);
        let frame = self.plan.schedule.frame(n);
        let payload = match &frame {
            Frame::Speech { index, .. } => self.plan.speech.get(*index).map_or(&*self.plan.silence, String::as_str),
            Frame::Silence => &*self.plan.silence,
        };
        self.sequence += 1;
        let timestamp_ms = n * TICK.as_millis() as u64;
        let text = twilio::media(&self.plan.sids, self.sequence, n + 1, timestamp_ms, payload);
        socket.send(Message::text(text)).await?;
        match frame {
            Frame::Speech { first: true, .. } => self.next_speech_started(),
            Frame::Speech { last: true, .. } => self.turn_ended(),
            _ => {}
        }
        let (played, marks) = self.playback.tick();
        self.note_playback(played);
        self.echo_marks(socket, marks).await
    }

    fn note_lag(&mut self, deadline: Instant) {
        let lag = Instant::now().saturating_duration_since(deadline);
        if lag >= LATE_TICK {
            self.report.counters.late_ticks += 1;
        }
        self.report.max_tick_lag_ms = self.report.max_tick_lag_ms.max(lag.as_secs_f64() * 1e3);
    }

    fn next_speech_started(&mut self) {
        if let Some(turn) = self.turns.last_mut() {
            turn.next_speech_started = true;
        }
    }

    fn turn_ended(&mut self) {
        self.turns.push(Turn {
            ended_at: Instant::now(),
            first_at: None,
            last_at: None,
            audio_bytes: 0,
            next_speech_started: false,
            report: TurnReport::default(),
            played_any: false,
            starved_ticks: 0,
        });
    }

    fn note_playback(&mut self, played: u64) {
        let Some(turn) = self.turns.last_mut() else { return };
        if played > 0 {
            turn.played_any = true;
            turn.starved_ticks = 0;
        } else if turn.played_any {
            turn.starved_ticks += 1;
        }
    }

    async fn echo_marks(&mut self, socket: &mut Socket, marks: Vec<String>) -> anyhow::Result<()> {
        for name in marks {
            self.sequence += 1;
            socket.send(Message::text(twilio::mark(&self.plan.sids, self.sequence, &name))).await?;
            self.report.counters.marks_echoed += 1;
        }
        Ok(())
    }

    async fn receive(
        &mut self,
        socket: &mut Socket,
        message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> anyhow::Result<()> {
        let text = match message {
            None => anyhow::bail!("server closed the connection mid-call"),
            Some(Err(error)) => anyhow::bail!("websocket: {error}"),
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => anyhow::bail!("server closed the stream mid-call: {frame:?}"),
            Some(Ok(Message::Binary(_))) => {
                self.report.counters.malformed += 1;
                return Ok(());
            }
            Some(Ok(_)) => return Ok(()),
        };
        match twilio::parse(text.as_str()) {
            Ok(ServerMessage::Media(payload)) => self.on_media(&payload),
            Ok(ServerMessage::Mark(name)) => self.on_mark(socket, name).await?,
            Ok(ServerMessage::Clear) => self.on_clear(socket).await?,
            Ok(ServerMessage::Other) => self.report.counters.other_events += 1,
            Err(Malformed::NotJson | Malformed::NoEvent | Malformed::BadMedia | Malformed::BadMark) => {
                self.report.counters.malformed += 1;
            }
        }
        Ok(())
    }

    fn on_media(&mut self, payload: &[u8]) {
        let now = Instant::now();
        let counters = &mut self.report.counters;
        counters.media += 1;
        self.playback.append(payload.len());
        if is_silent(payload) {
            counters.silent_media += 1;
            return;
        }
        let Some(turn) = self.turns.last_mut() else {
            counters.early_media += 1;
            return;
        };
        self.report.payload_sizes.push(u32::try_from(payload.len()).unwrap_or(u32::MAX));
        match (turn.first_at, turn.last_at) {
            (Some(first), Some(last)) => {
                self.report.gaps_ms.push(ms(now - last));
                let expected = first + audio_duration(turn.audio_bytes);
                self.report.late_ms.push(signed_ms(now, expected));
            }
            _ => {
                turn.first_at = Some(now);
                turn.report.latency_ms = Some(ms(now - turn.ended_at));
                turn.report.before_next_speech = !turn.next_speech_started;
            }
        }
        turn.last_at = Some(now);
        turn.audio_bytes += payload.len() as u64;
        if turn.starved_ticks > 0 {
            counters.underruns += 1;
            counters.underrun_ms += turn.starved_ticks * TICK.as_millis() as u64;
            turn.starved_ticks = 0;
        }
    }

    async fn on_mark(&mut self, socket: &mut Socket, name: String) -> anyhow::Result<()> {
        self.report.counters.marks_received += 1;
        self.playback.mark(name);
        let reached = self.playback.reached();
        self.echo_marks(socket, reached).await
    }

    async fn on_clear(&mut self, socket: &mut Socket) -> anyhow::Result<()> {
        self.report.counters.clears += 1;
        if let Some(turn) = self.turns.last_mut() {
            turn.starved_ticks = 0;
            turn.played_any = false;
        }
        let pending = self.playback.clear();
        self.echo_marks(socket, pending).await
    }

    fn finish(mut self) -> CallReport {
        self.report.turns =
            self.turns.into_iter().map(|turn| TurnReport { audio_bytes: turn.audio_bytes, ..turn.report }).collect();
        self.report
    }
}

fn audio_duration(bytes: u64) -> Duration {
    Duration::from_micros(bytes * 1_000_000 / u64::from(RATE_HZ))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// `a - b` in milliseconds, negative when `a` is earlier.
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b { ms(a - b) } else { -ms(b - a) }
}

/// Frames in `ms` milliseconds of audio.
pub(crate) fn frames(ms: u64) -> u64 {
    ms * u64::from(RATE_HZ) / 1_000 / FRAME_SAMPLES as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_alternates_bursts_and_pauses() {
        let s = Schedule { lead_in: 2, speech: 3, pause: 2, cycles: 2, tail: 3 };
        assert_eq!(s.total(), 15);
        let kinds: Vec<Frame> = (0..s.total()).map(|n| s.frame(n)).collect();
        assert_eq!(kinds[0], Frame::Silence);
        assert_eq!(kinds[2], Frame::Speech { index: 0, first: true, last: false });
        assert_eq!(kinds[4], Frame::Speech { index: 2, first: false, last: true });
        assert_eq!(kinds[5], Frame::Silence);
        assert_eq!(kinds[7], Frame::Speech { index: 0, first: true, last: false });
        assert_eq!(kinds[11], Frame::Silence);
        assert_eq!(kinds[12], Frame::Silence);
        assert_eq!(kinds[14], Frame::Silence);
        assert_eq!(s.cycles_end(), Duration::from_millis(240));
    }

    #[test]
    fn frame_arithmetic() {
        assert_eq!(frames(3_000), 150);
        assert_eq!(audio_duration(16_000), Duration::from_secs(2));
    }
}
