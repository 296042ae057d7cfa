//! Sums the calls' measurements into one run's figures; prints them as a table or JSON.

use crate::call::{CallReport, Counters};
use crate::procstat::{CpuUse, Memory};
use crate::speech::RATE_HZ;
use crate::stats::{Summary, round, summarize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A turn within this much of the expected reply length counts as fully answered (one frame).
const FULL_REPLY_TOLERANCE_MS: u64 = 20;

/// How the run was set up and what the processes used.
#[derive(Debug)]
pub(crate) struct RunInfo {
    pub(crate) url: String,
    pub(crate) calls: usize,
    pub(crate) cycles: u64,
    pub(crate) burst_ms: u64,
    pub(crate) pause_ms: u64,
    pub(crate) lead_in_ms: u64,
    pub(crate) stagger_ms: u64,
    pub(crate) expect_reply_ms: u64,
    pub(crate) speech_source: String,
    pub(crate) voiced_ms: u64,
    pub(crate) wall_s: f64,
    pub(crate) server_pid: Option<u32>,
    pub(crate) server: Usage,
    pub(crate) load_generator: Usage,
    pub(crate) machine: Machine,
}

/// The whole machine's busy CPU over the steady window and the whole run.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    pub(crate) cpus: usize,
    pub(crate) steady: Option<CpuUse>,
    pub(crate) whole: Option<CpuUse>,
}

impl Machine {
    /// Cores busy with anything but the server and the load generator, per window.
    fn others(&self, server: &Usage, load_generator: &Usage) -> (Option<f64>, Option<f64>) {
        let rest = |all: Option<CpuUse>, a: Option<CpuUse>, b: Option<CpuUse>| {
            Some(all?.cores() - a.map_or(0.0, |a| a.cores()) - b?.cores())
        };
        (rest(self.steady, server.steady, load_generator.steady), rest(self.whole, server.whole, load_generator.whole))
    }
}

/// One process's CPU over the steady window and the whole run, and its memory.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    pub(crate) steady: Option<CpuUse>,
    pub(crate) whole: Option<CpuUse>,
    /// At the end of the steady window.
    pub(crate) memory_steady: Option<Memory>,
    /// After the last call ended.
    pub(crate) memory_end: Option<Memory>,
}

/// Everything measured, summed over calls.
#[derive(Debug)]
pub(crate) struct Aggregate {
    connected: usize,
    completed: usize,
    errors: BTreeMap<String, usize>,
    turns: usize,
    answered: usize,
    answered_before_next_speech: usize,
    full_replies: usize,
    latency_ms: Summary,
    reply_audio_s: Summary,
    gap_ms: Summary,
    late_by_ms: Summary,
    payload_bytes: Summary,
    payload_sizes: Vec<(u32, usize)>,
    counters: Counters,
    max_tick_lag_ms: f64,
}

/// Sums `reports`; a turn is fully answered with at least `expect_reply_ms` less one frame.
pub(crate) fn aggregate(reports: &[CallReport], expect_reply_ms: u64) -> Aggregate {
    let turns = || reports.iter().flat_map(|r| r.turns.iter());
    let full_bytes = expect_reply_ms.saturating_sub(FULL_REPLY_TOLERANCE_MS) * u64::from(RATE_HZ) / 1_000;
    let latencies: Vec<f64> = turns().filter_map(|t| t.latency_ms).collect();
    let audio: Vec<f64> = turns().map(|t| t.audio_bytes as f64 / f64::from(RATE_HZ)).collect();
    let sizes: Vec<u32> = reports.iter().flat_map(|r| r.payload_sizes.iter().copied()).collect();
    Aggregate {
        connected: reports.iter().filter(|r| r.connected).count(),
        completed: reports.iter().filter(|r| r.completed).count(),
        errors: count_errors(reports),
        turns: turns().count(),
        answered: latencies.len(),
        answered_before_next_speech: turns().filter(|t| t.before_next_speech).count(),
        full_replies: turns().filter(|t| t.audio_bytes >= full_bytes).count(),
        latency_ms: summarize(latencies),
        reply_audio_s: summarize(audio),
        gap_ms: summarize(reports.iter().flat_map(|r| r.gaps_ms.iter().copied()).collect()),
        late_by_ms: summarize(reports.iter().flat_map(|r| r.late_ms.iter().copied()).collect()),
        payload_bytes: summarize(sizes.iter().map(|&s| f64::from(s)).collect()),
        payload_sizes: size_histogram(&sizes),
        counters: sum_counters(reports),
        max_tick_lag_ms: reports.iter().map(|r| r.max_tick_lag_ms).fold(0.0, f64::max),
    }
}

fn count_errors(reports: &[CallReport]) -> BTreeMap<String, usize> {
    let mut errors = BTreeMap::new();
    for error in reports.iter().filter_map(|r| r.error.as_ref()) {
        *errors.entry(error.clone()).or_insert(0) += 1;
    }
    errors
}

/// The eight commonest payload sizes, commonest first.
fn size_histogram(sizes: &[u32]) -> Vec<(u32, usize)> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &size in sizes {
        *counts.entry(size).or_insert(0) += 1;
    }
    let mut counts: Vec<(u32, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.truncate(8);
    counts
}

fn sum_counters(reports: &[CallReport]) -> Counters {
    reports.iter().map(|r| &r.counters).fold(Counters::default(), |mut sum, c| {
        sum.media += c.media;
        sum.silent_media += c.silent_media;
        sum.early_media += c.early_media;
        sum.marks_received += c.marks_received;
        sum.marks_echoed += c.marks_echoed;
        sum.clears += c.clears;
        sum.other_events += c.other_events;
        sum.malformed += c.malformed;
        sum.underruns += c.underruns;
        sum.underrun_ms += c.underrun_ms;
        sum.late_ticks += c.late_ticks;
        sum
    })
}

/// The run as one JSON object.
pub(crate) fn to_json(info: &RunInfo, agg: &Aggregate) -> Value {
    let c = &agg.counters;
    json!({
        "url": info.url,
        "scenario": {
            "calls": info.calls,
            "cycles_per_call": info.cycles,
            "burst_ms": info.burst_ms,
            "pause_ms": info.pause_ms,
            "lead_in_ms": info.lead_in_ms,
            "stagger_ms": info.stagger_ms,
            "expect_reply_ms": info.expect_reply_ms,
            "speech": info.speech_source,
            "speech_voiced_ms": info.voiced_ms,
        },
        "wall_s": round(info.wall_s, 2),
        "calls": {
            "connected": agg.connected,
            "completed": agg.completed,
            "errors": agg.errors,
        },
        "turns": {
            "total": agg.turns,
            "answered": agg.answered,
            "no_reply_before_next_speech": agg.turns - agg.answered_before_next_speech,
            "unanswered": agg.turns - agg.answered,
            "full_reply": agg.full_replies,
        },
        "latency_ms": agg.latency_ms.to_json(1),
        "reply_audio_s": agg.reply_audio_s.to_json(3),
        "gap_ms": agg.gap_ms.to_json(1),
        "late_by_ms": agg.late_by_ms.to_json(1),
        "payload_bytes": agg.payload_bytes.to_json(0),
        "payload_sizes": agg.payload_sizes.iter().map(|(size, n)| json!([size, n])).collect::<Vec<_>>(),
        "events": {
            "media": c.media,
            "silent_media": c.silent_media,
            "early_media": c.early_media,
            "marks_received": c.marks_received,
            "marks_echoed": c.marks_echoed,
            "clears": c.clears,
            "other": c.other_events,
            "malformed": c.malformed,
        },
        "playback": { "underruns": c.underruns, "underrun_ms": c.underrun_ms },
        "server": usage_json(&info.server, info.server_pid),
        "load_generator": {
            "usage": usage_json(&info.load_generator, None),
            "late_ticks": c.late_ticks,
            "max_tick_lag_ms": round(agg.max_tick_lag_ms, 1),
        },
        "machine": machine_json(info),
    })
}

fn machine_json(info: &RunInfo) -> Value {
    let m = &info.machine;
    let (others_steady, others_whole) = m.others(&info.server, &info.load_generator);
    let cores = |c: Option<CpuUse>| c.map_or(Value::Null, |c| round(c.cores(), 3));
    json!({
        "cpus": m.cpus,
        "busy_cores_steady": cores(m.steady),
        "busy_cores_whole_run": cores(m.whole),
        "other_cores_steady": others_steady.map_or(Value::Null, |x| round(x, 3)),
        "other_cores_whole_run": others_whole.map_or(Value::Null, |x| round(x, 3)),
    })
}

fn usage_json(usage: &Usage, pid: Option<u32>) -> Value {
    let cpu = |cpu: Option<CpuUse>| {
        cpu.map_or(
            Value::Null,
            |c| json!({ "cpu_s": round(c.cpu_s, 2), "wall_s": round(c.wall_s, 2), "cores": round(c.cores(), 3) }),
        )
    };
    let memory = |m: Option<Memory>| {
        m.map_or(Value::Null, |m| json!({ "rss_mib": round(m.rss_mib, 1), "hwm_mib": round(m.hwm_mib, 1) }))
    };
    json!({
        "pid": pid,
        "steady": cpu(usage.steady),
        "whole_run": cpu(usage.whole),
        "memory_steady": memory(usage.memory_steady),
        "memory_end": memory(usage.memory_end),
    })
}

/// The run as a human-readable table.
pub(crate) fn print_table(info: &RunInfo, agg: &Aggregate) {
    let c = &agg.counters;
    println!("target            {}", info.url);
    println!(
        "scenario          {} calls x {} turns ({} ms speech / {} ms silence, lead-in {} ms, stagger {} ms)",
        info.calls, info.cycles, info.burst_ms, info.pause_ms, info.lead_in_ms, info.stagger_ms
    );
    println!("speech            {} ({} ms voiced)", info.speech_source, info.voiced_ms);
    println!("calls             {} connected, {} completed, wall {:.1} s", agg.connected, agg.completed, info.wall_s);
    for (error, n) in &agg.errors {
        println!("  error x{n}       {error}");
    }
    println!(
        "turns             {} total, {} answered, {} without a reply before the next speech, {} with full {} ms reply",
        agg.turns,
        agg.answered,
        agg.turns - agg.answered_before_next_speech,
        agg.full_replies,
        info.expect_reply_ms
    );
    print_summary("latency ms", &agg.latency_ms, 1);
    print_summary("reply audio s", &agg.reply_audio_s, 3);
    print_summary("gap ms", &agg.gap_ms, 1);
    print_summary("late-by ms", &agg.late_by_ms, 1);
    print_summary("payload bytes", &agg.payload_bytes, 0);
    let sizes: Vec<String> = agg.payload_sizes.iter().map(|(size, n)| format!("{size}B x{n}")).collect();
    println!("payload sizes     {}", sizes.join(", "));
    println!(
        "events            media {} (silent {}, before first turn {}), marks {}/{} echoed, clears {}, other {}, malformed {}",
        c.media, c.silent_media, c.early_media, c.marks_echoed, c.marks_received, c.clears, c.other_events, c.malformed
    );
    println!("playback          {} underruns, {} ms", c.underruns, c.underrun_ms);
    print_usage("server", &info.server);
    print_usage("load generator", &info.load_generator);
    println!("load gen ticks    {} late (>= 5 ms), worst {:.1} ms", c.late_ticks, agg.max_tick_lag_ms);
    let (others_steady, others_whole) = info.machine.others(&info.server, &info.load_generator);
    let cores = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| format!("{x:.3}"));
    let busy = |c: Option<CpuUse>| cores(c.map(|c| c.cores()));
    println!(
        "machine           {} CPUs; busy cores steady {} (others {}), whole run {} (others {})",
        info.machine.cpus,
        busy(info.machine.steady),
        cores(others_steady),
        busy(info.machine.whole),
        cores(others_whole)
    );
}

fn print_summary(label: &str, s: &Summary, decimals: usize) {
    println!(
        "{label:<18}n={} min={:.d$} p50={:.d$} p95={:.d$} p99={:.d$} max={:.d$} mean={:.d$}",
        s.count,
        s.min,
        s.p50,
        s.p95,
        s.p99,
        s.max,
        s.mean,
        d = decimals
    );
}

fn print_usage(label: &str, usage: &Usage) {
    let cpu = |c: Option<CpuUse>| {
        c.map_or("n/a".to_owned(), |c| format!("{:.3} cores ({:.2} CPU-s / {:.1} s)", c.cores(), c.cpu_s, c.wall_s))
    };
    let memory = |m: Option<Memory>| {
        m.map_or("n/a".to_owned(), |m| format!("RSS {:.1} MiB, peak {:.1} MiB", m.rss_mib, m.hwm_mib))
    };
    println!("{label:<18}steady {}; whole run {}", cpu(usage.steady), cpu(usage.whole));
    println!("{:<18}steady {}; end {}", "", memory(usage.memory_steady), memory(usage.memory_end));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::TurnReport;

    fn turn(latency_ms: Option<f64>, before: bool, audio_bytes: u64) -> TurnReport {
        TurnReport { latency_ms, before_next_speech: before, audio_bytes }
    }

    #[test]
    fn counts_turns_and_full_replies() {
        let report = CallReport {
            connected: true,
            completed: true,
            turns: vec![turn(Some(1000.0), true, 16_000), turn(Some(3500.0), false, 8_000), turn(None, false, 0)],
            payload_sizes: vec![320, 320, 160],
            ..CallReport::default()
        };
        let failed = CallReport { error: Some("connect: refused".into()), ..CallReport::default() };
        let agg = aggregate(&[report, failed], 2_000);
        assert_eq!((agg.turns, agg.answered, agg.answered_before_next_speech, agg.full_replies), (3, 2, 1, 1));
        assert_eq!((agg.connected, agg.completed), (1, 1));
        assert_eq!(agg.errors.get("connect: refused"), Some(&1));
        assert_eq!(agg.payload_sizes, vec![(320, 2), (160, 1)]);
        assert_eq!(agg.reply_audio_s.min, 0.0);
        let info = RunInfo {
            url: "ws://x".into(),
            calls: 2,
            cycles: 3,
            burst_ms: 3000,
            pause_ms: 3000,
            lead_in_ms: 1000,
            stagger_ms: 6000,
            expect_reply_ms: 2000,
            speech_source: "test".into(),
            voiced_ms: 2900,
            wall_s: 1.0,
            server_pid: None,
            server: Usage::default(),
            load_generator: Usage::default(),
            machine: Machine::default(),
        };
        let json = to_json(&info, &agg);
        assert_eq!(json["turns"]["no_reply_before_next_speech"], 2);
        assert_eq!(json["latency_ms"]["max"], 3500.0);
        assert_eq!(json["server"]["steady"], Value::Null);
    }
}
