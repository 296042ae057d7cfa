//! `agentline-streams-load`: drives N concurrent emulated Twilio calls at a voice-agent server's
//! Twilio Media Streams WebSocket endpoint and measures what a caller would get. It speaks
//! nothing but Twilio's protocol, so any server that takes Twilio Media Streams can be the
//! target (`--url`).
//!
//! # Method
//!
//! **Calls.** `--calls N` WebSocket connections are opened, call *i* at `i · stagger / N`
//! (`--stagger-ms`, default one speech+silence cycle) so the callers do not speak in unison.
//! Each acts as Twilio: `connected`, then `start` (`accountSid` AC…, `callSid` CA…,
//! `streamSid` MZ…, `tracks: ["inbound"]`, `mediaFormat` audio/x-mulaw 8000 Hz mono, empty
//! `customParameters`), then one `media` message (160 μ-law bytes = 20 ms, with Twilio's
//! `sequenceNumber`, `chunk` and `timestamp`) on each absolute deadline `t0 + n · 20 ms`, so
//! lateness never accumulates. The stream is `--lead-in-ms` of silence (default 1000), then
//! `cycles = max(1, round(seconds / (burst + pause)))` cycles of `--burst-ms` speech (3000)
//! and `--pause-ms` silence (3000), then one burst's length of silence (so the last turn's
//! reply has as long to arrive as the others', which run on into the next burst); then `stop`
//! and a close.
//!
//! **Speech.** `--speech FILE.wav` (16-bit PCM, any rate, first channel), or by default
//! espeak-ng saying `--text` at `--espeak-speed` words per minute. It is resampled to 8 kHz
//! (agentline-media's band-limited resampler), stripped of leading and trailing silence and
//! fitted to the burst with the voice ending where the burst ends (silence in front if
//! shorter, the end cut if longer), so "the last speech frame was sent" is the end of the voice.
//! Silence is μ-law 0xFF (digital zero).
//!
//! **Playback.** Server `media` payloads are appended to a per-call buffer played out 160 bytes
//! per 20 ms tick, as Twilio does; a server `mark` is echoed back
//! (`{"event":"mark","sequenceNumber","streamSid","mark":{"name"}}`) once playback reaches it;
//! `clear` empties the buffer and echoes every pending mark.
//!
//! **Turns.** Turn *k* starts when the last frame of burst *k* has been sent. Audible server
//! media (a payload with any sample at or above 64 of 32,768; digital silence is counted apart
//! and otherwise ignored) received from then until the next burst ends belongs to turn *k*.
//! - *response latency*: end of the burst to the first audible server `media` of the turn;
//!   p50/p95/p99 over all answered turns. Turns whose reply had not begun when the next burst
//!   started are counted (`no_reply_before_next_speech`), as are turns with no reply at all.
//! - *reply audio*: audible payload bytes per turn / 8000, in seconds (unanswered turns count
//!   as 0); a turn has its full reply with at least `--expect-reply-ms` less 20 ms.
//! - *gaps*: time between consecutive audible server media within one reply; *late-by*:
//!   arrival − (the reply's first arrival + the audio already received in it), negative while
//!   the server sends faster than real time. Payload sizes are reported since servers may send
//!   more than 20 ms per message.
//! - *underruns*: ticks the playback buffer ran dry mid-reply before more of that reply came.
//!
//! **Resources.** With `--pid`, the server's CPU (utime + stime of /proc/PID/stat: all its
//! threads, not its children) over a window divided by the window's wall time gives cores
//! used. The *steady* window runs from 0.5 s after the last call's scheduled connect to the
//! scheduled end of the first call's last cycle, when all N calls stream at once; the whole run
//! is reported too. RSS is VmRSS at the end of the steady window and at the end, with VmHWM
//! (peak). The load generator's own CPU comes from /proc/self the same way, and its ticks
//! sent 5 ms or more after their deadline are counted, to show it is not the bottleneck. The
//! whole machine's busy CPU (/proc/stat) over the same windows, less the server's and the load
//! generator's, shows whether anything else competed for the CPUs.
//!
//! Malformed server messages (unparseable text, media without a decodable payload, marks
//! without a name, binary frames) are counted, never fatal.
//!
//! Output: a table, or with `--json` one JSON object on stdout.

mod call;
mod playback;
mod procstat;
mod report;
mod speech;
mod stats;
mod twilio;

use crate::call::{CallPlan, CallReport, Schedule, frames};
use crate::procstat::{CpuSample, Memory, SystemSample};
use crate::report::{Machine, RunInfo, Usage};
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, sleep_until};

/// Time between planning the calls and the first connect.
const START_DELAY: Duration = Duration::from_millis(200);
/// Allowance for connecting and the server's per-call setup before the steady window opens.
const STEADY_SLACK: Duration = Duration::from_millis(500);

#[derive(Parser, Debug)]
#[command(name = "agentline-streams-load", about = "Concurrent emulated Twilio Media Streams calls against a server")]
struct Cli {
    /// The server's Twilio Media Streams WebSocket URL, e.g. ws://127.0.0.1:8765/ws.
    #[arg(long)]
    url: String,
    /// Concurrent calls.
    #[arg(long, default_value_t = 1)]
    calls: usize,
    /// Seconds of speech/silence cycles per call (rounded to whole cycles, at least one).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Server process to measure (CPU, RSS) from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// Utterance as a 16-bit PCM WAV file; default: espeak-ng says --text.
    #[arg(long)]
    speech: Option<PathBuf>,
    /// What espeak-ng says when no --speech file is given.
    #[arg(long, default_value = "Hi, I would like to book an appointment for Tuesday please")]
    text: String,
    /// espeak-ng speaking rate, words per minute.
    #[arg(long, default_value_t = 190)]
    espeak_speed: u32,
    /// Speech per cycle, ms.
    #[arg(long, default_value_t = 3_000)]
    burst_ms: u64,
    /// Silence after each burst, ms.
    #[arg(long, default_value_t = 3_000)]
    pause_ms: u64,
    /// Silence before the first burst, ms.
    #[arg(long, default_value_t = 1_000)]
    lead_in_ms: u64,
    /// Connects spread over this many ms (default: one cycle).
    #[arg(long)]
    stagger_ms: Option<u64>,
    /// Reply length a turn should get, ms.
    #[arg(long, default_value_t = 2_000)]
    expect_reply_ms: u64,
    /// Give up connecting after this many seconds.
    #[arg(long, default_value_t = 10)]
    connect_timeout_secs: u64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

impl Cli {
    fn cycle_ms(&self) -> u64 {
        self.burst_ms + self.pause_ms
    }

    fn cycles(&self) -> u64 {
        let cycle = self.cycle_ms().max(1);
        ((self.seconds * 1_000 + cycle / 2) / cycle).max(1)
    }

    fn stagger_ms(&self) -> u64 {
        self.stagger_ms.unwrap_or(self.cycle_ms())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.calls > 0, "--calls must be at least 1");
    anyhow::ensure!(cli.burst_ms >= 20, "--burst-ms must be at least 20");
    let utterance = speech::load(cli.speech.as_deref(), &cli.text, cli.espeak_speed, cli.burst_ms)?;
    let schedule = Schedule {
        lead_in: frames(cli.lead_in_ms),
        speech: utterance.frames.len() as u64,
        pause: frames(cli.pause_ms),
        cycles: cli.cycles(),
        tail: utterance.frames.len() as u64,
    };
    let plans = plan_calls(&cli, &utterance, schedule);
    let (reports, info) = run(&cli, plans, schedule, utterance).await;
    let agg = report::aggregate(&reports, cli.expect_reply_ms);
    if cli.json {
        println!("{}", report::to_json(&info, &agg));
    } else {
        report::print_table(&info, &agg);
    }
    Ok(())
}

fn plan_calls(cli: &Cli, utterance: &speech::Utterance, schedule: Schedule) -> Vec<CallPlan> {
    let speech: Arc<[String]> = utterance.frames.iter().map(|f| twilio::encode_payload(f)).collect();
    let silence: Arc<str> = twilio::encode_payload(&[speech::ULAW_SILENCE; speech::FRAME_SAMPLES]).into();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let base = Instant::now() + START_DELAY;
    (0..cli.calls)
        .map(|i| CallPlan {
            url: cli.url.clone(),
            sids: twilio::Sids::new(seed, i),
            start_at: base + offset(i, cli.calls, cli.stagger_ms()),
            schedule,
            speech: speech.clone(),
            silence: silence.clone(),
            connect_timeout: Duration::from_secs(cli.connect_timeout_secs),
        })
        .collect()
}

/// When call `i` of `n` connects, relative to the first.
fn offset(i: usize, n: usize, stagger_ms: u64) -> Duration {
    Duration::from_micros(stagger_ms * 1_000 * i as u64 / n as u64)
}

/// CPU and memory samples of the server and this process at one instant.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    server: Option<CpuSample>,
    server_memory: Option<Memory>,
    this: Option<CpuSample>,
    this_memory: Option<Memory>,
    system: Option<SystemSample>,
}

fn snapshot(pid: Option<u32>) -> Snapshot {
    Snapshot {
        server: pid.and_then(|pid| procstat::cpu(Some(pid))),
        server_memory: pid.and_then(|pid| procstat::memory(Some(pid))),
        this: procstat::cpu(None),
        this_memory: procstat::memory(None),
        system: procstat::system(),
    }
}

/// Runs every call, sampling resources at the start, over the steady window and at the end.
async fn run(
    cli: &Cli,
    plans: Vec<CallPlan>,
    schedule: Schedule,
    utterance: speech::Utterance,
) -> (Vec<CallReport>, RunInfo) {
    let started = snapshot(cli.pid);
    let window = steady_window(&plans, schedule);
    let pid = cli.pid;
    let sampler = tokio::spawn(async move {
        let (from, to) = window?;
        sleep_until(from).await;
        let first = snapshot(pid);
        sleep_until(to).await;
        Some((first, snapshot(pid)))
    });
    let tasks: Vec<_> = plans.into_iter().map(|plan| tokio::spawn(call::run(plan))).collect();
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        reports.push(task.await.unwrap_or_else(|error| CallReport {
            error: Some(format!("call task failed: {error}")),
            ..CallReport::default()
        }));
    }
    let steady = sampler.await.ok().flatten();
    let ended = snapshot(cli.pid);
    let info = RunInfo {
        url: cli.url.clone(),
        calls: cli.calls,
        cycles: schedule.cycles,
        burst_ms: cli.burst_ms,
        pause_ms: cli.pause_ms,
        lead_in_ms: cli.lead_in_ms,
        stagger_ms: cli.stagger_ms(),
        expect_reply_ms: cli.expect_reply_ms,
        speech_source: utterance.source,
        voiced_ms: utterance.voiced_ms,
        wall_s: ended.this.zip(started.this).map_or(f64::NAN, |(e, s)| (e.at - s.at).as_secs_f64()),
        server_pid: cli.pid,
        server: usage(started, steady, ended, |s| (s.server, s.server_memory)),
        load_generator: usage(started, steady, ended, |s| (s.this, s.this_memory)),
        machine: Machine {
            cpus: ended.system.map_or(0, |s| s.cpus),
            steady: steady.and_then(|(from, to)| procstat::system_between(from.system, to.system)),
            whole: procstat::system_between(started.system, ended.system),
        },
    };
    (reports, info)
}

/// From [`STEADY_SLACK`] after the last call's connect to the end of the first call's last
/// cycle, if that leaves a second or more.
fn steady_window(plans: &[CallPlan], schedule: Schedule) -> Option<(Instant, Instant)> {
    let first = plans.iter().map(|p| p.start_at).min()?;
    let last = plans.iter().map(|p| p.start_at).max()?;
    let from = last + STEADY_SLACK;
    let to = first + schedule.cycles_end();
    (to >= from + Duration::from_secs(1)).then_some((from, to))
}

fn usage(
    started: Snapshot,
    steady: Option<(Snapshot, Snapshot)>,
    ended: Snapshot,
    pick: impl Fn(&Snapshot) -> (Option<CpuSample>, Option<Memory>),
) -> Usage {
    Usage {
        steady: steady.and_then(|(from, to)| procstat::between(pick(&from).0, pick(&to).0)),
        whole: procstat::between(pick(&started).0, pick(&ended).0),
        memory_steady: steady.and_then(|(_, to)| pick(&to).1),
        memory_end: pick(&ended).1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["agentline-streams-load", "--url", "ws://127.0.0.1:1/ws"];
        all.extend_from_slice(args);
        Cli::parse_from(all)
    }

    #[test]
    fn cycles_round_to_whole_cycles() {
        assert_eq!(cli(&["--seconds", "60"]).cycles(), 10);
        assert_eq!(cli(&["--seconds", "62"]).cycles(), 10);
        assert_eq!(cli(&["--seconds", "1"]).cycles(), 1);
        assert_eq!(cli(&[]).stagger_ms(), 6_000);
    }

    #[test]
    fn calls_spread_over_the_stagger() {
        assert_eq!(offset(0, 4, 6_000), Duration::ZERO);
        assert_eq!(offset(3, 4, 6_000), Duration::from_millis(4_500));
    }
}
