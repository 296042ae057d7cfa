//! Concurrent SIP calls with full media against a SIPp callee that streams audio: per number
//! of calls N, the CPU and memory each call costs this process, how punctually our 20 ms RTP
//! frames leave (send lateness percentiles from every call's media figures), and lost frames.
//!
//! Method: start SIPp (`uas_stream.xml`, G.711 μ-law looped) and agentline in this process
//! (SQLite, recording on); place N live calls through a SIP trunk to SIPp; once all are
//! answered, sample this process's CPU time and RSS over the measuring window; end every call
//! through the API (BYE) and read each call's `media` figures. SIPp runs on the same cores.

use crate::harness::{self, Bench};
use crate::stats::summarize;
use agentline_store::test_support::Engine;
use anyhow::Context;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// SIPp's ports for round `i` (each measurement gets fresh ones: the previous SIPp may still be
/// releasing its sockets).
fn sipp_ports(i: usize) -> (u16, u16, u16) {
    let step = u16::try_from(i).unwrap_or(0) * 10;
    (25060 + step, 26000 + step, 27000 + step)
}

pub(crate) async fn run(counts: &[usize], seconds: u64, sandbox: bool) -> anyhow::Result<()> {
    let audio = prompt()?;
    println!(
        "| calls | answered | CPU % of one core per call | RSS per call | send lateness p50 / p99 / worst (ms) | frames lost (callee→us) | frames skipped | packets received |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (round, &n) in counts.iter().enumerate() {
        let peer = if sandbox { None } else { Some((audio.as_path(), sipp_ports(round))) };
        let row = measure(n, seconds, peer).await?;
        println!("{row}");
    }
    Ok(())
}

/// One row: N calls to SIPp through a trunk (`peer`), or, without one, N real-time sandbox calls
/// to `…0107` (answers and stays on the line: two RTP sessions per call in this process, VAD and
/// the conversation listening, recording on).
async fn measure(n: usize, seconds: u64, peer: Option<(&Path, (u16, u16, u16))>) -> anyhow::Result<String> {
    let mut sipp = match peer {
        Some((audio, ports)) => Some(start_sipp(n, audio, ports)?),
        None => None,
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bench = harness::start(Engine::Sqlite, |c| {
        c.engine.sip.listen = "127.0.0.1:0".parse().expect("address");
        c.engine.sip.rtp_port_min = 10000;
        c.engine.sip.rtp_port_max = 30000;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await?;
    let (agent, to) = match peer {
        Some((_, ports)) => (line(&bench, ports.0).await?, "+14155550100"),
        None => (bench.agent().await?, "+14155550107"),
    };
    let rss_base = rss_kib()?;
    let ids = place(&bench, &agent, n, to).await?;
    let answered = wait_answered(&bench, n).await?;
    let (cpu0, t0) = (cpu_seconds()?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, rss1, wall) = (cpu_seconds()?, rss_kib()?, t0.elapsed().as_secs_f64());
    let mut talked = Vec::new();
    for id in &ids {
        // A call that never got through has already ended (409); it has no media to report.
        if bench.post(&format!("/v1/calls/{id}/end"), &json!({})).await.is_ok() {
            talked.push(id.clone());
        }
    }
    let media = media_figures(&bench, &talked).await?;
    if let Some(sipp) = &mut sipp {
        let _ = sipp.kill().await;
    }
    let cpu_per_call = (cpu1 - cpu0) / wall / answered.max(1) as f64 * 100.0;
    let rss_per_call = rss1.saturating_sub(rss_base) as f64 / answered.max(1) as f64;
    Ok(format!(
        "| {n} | {answered} | {cpu_per_call:.2} % | {rss_per_call:.0} KiB (process {} MiB) | {} | {} | {} | {} |",
        rss1 / 1024,
        media.lateness,
        media.lost,
        media.skipped,
        media.received
    ))
}

struct Figures {
    lateness: String,
    lost: u64,
    skipped: u64,
    received: u64,
}

async fn media_figures(bench: &Bench, ids: &[String]) -> anyhow::Result<Figures> {
    let (mut p50s, mut p99s, mut worst) = (Vec::new(), Vec::new(), 0f64);
    let (mut lost, mut skipped, mut received) = (0, 0, 0);
    for id in ids {
        let media = wait_media(bench, id).await?;
        p50s.push(media["send_lateness_p50_ms"].as_f64().unwrap_or(f64::NAN));
        p99s.push(media["send_lateness_p99_ms"].as_f64().unwrap_or(f64::NAN));
        worst = worst.max(media["send_lateness_max_ms"].as_f64().unwrap_or(0.0));
        lost += media["packets_lost"].as_u64().unwrap_or(0);
        skipped += media["frames_skipped"].as_u64().unwrap_or(0);
        received += media["packets_received"].as_u64().unwrap_or(0);
    }
    let (p50, p99) = (summarize(p50s).p50, summarize(p99s).p99);
    Ok(Figures { lateness: format!("{p50:.1} / {p99:.1} / {worst:.1}"), lost, skipped, received })
}

/// The call's media figures, stored once its media has stopped after the BYE.
async fn wait_media(bench: &Bench, id: &str) -> anyhow::Result<Value> {
    for _ in 0..500 {
        let call = bench.get(&format!("/v1/calls/{id}")).await?;
        if !call["media"].is_null() {
            return Ok(call["media"].clone());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::bail!("call {id} never reported its media")
}

/// A trunk to SIPp, a SIP number and an agent without greeting (it sends silence frames,
/// which cost the same as speech).
async fn line(bench: &Bench, port: u16) -> anyhow::Result<String> {
    let trunk = bench.post("/v1/trunks", &json!({"name": "sipp", "host": "127.0.0.1", "port": port})).await?;
    let agent = bench.post("/v1/agents", &json!({"name": "Bench"})).await?;
    let agent_id = agent["id"].as_str().context("agent id")?.to_owned();
    let number =
        json!({"phone_number": "+14155550150", "carrier": "sip", "trunk_id": trunk["id"], "agent_id": agent_id});
    bench.post("/v1/numbers", &number).await?;
    Ok(agent_id)
}

async fn place(bench: &Bench, agent: &str, n: usize, to: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let body = json!({"agent_id": agent, "to": to, "max_duration": 3600});
        let call = bench.post("/v1/calls", &body).await?;
        ids.push(call["id"].as_str().context("call id")?.to_owned());
    }
    Ok(ids)
}

async fn wait_answered(bench: &Bench, n: usize) -> anyhow::Result<usize> {
    let started = Instant::now();
    loop {
        let page = bench.get("/v1/calls?status=in_progress&page=1&limit=1").await?;
        let answered = usize::try_from(page["count"].as_u64().context("count")?).unwrap_or(0);
        if answered >= n || started.elapsed() > Duration::from_secs(60) {
            // Let the last calls' media settle before measuring.
            tokio::time::sleep(Duration::from_secs(2)).await;
            return Ok(answered);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn start_sipp(n: usize, audio: &Path, (sip, media, control): (u16, u16, u16)) -> anyhow::Result<Child> {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/peers/sipp/uas_stream.xml");
    let play = format!("{},-1,0", audio.display());
    Command::new("timeout")
        .arg("900")
        .arg("sipp")
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", &sip.to_string(), "-mp", &media.to_string()])
        .args(["-cp", &control.to_string()])
        .args(["-m", &n.to_string(), "-l", &n.to_string(), "-nostdin"])
        .args(["-key", "pt", "0", "-key", "codec", "PCMU", "-key", "play_file", &play])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("sipp runs (scripts/install-deps.sh installs sip-tester)")
}

/// A few seconds of speech as raw μ-law for SIPp to loop.
fn prompt() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join("agentline-bench-sip");
    std::fs::create_dir_all(&dir)?;
    let ulaw = dir.join("callee.ulaw");
    let script = format!(
        "cd {} && espeak-ng -w p22k.wav 'Hello, this is the benchmark callee speaking without pause.' && \
         sox p22k.wav -r 8000 -c 1 -t raw -e mu-law -b 8 callee.ulaw",
        dir.display()
    );
    let status = std::process::Command::new("sh").arg("-c").arg(script).status()?;
    anyhow::ensure!(status.success(), "espeak-ng and sox are needed (scripts/install-deps.sh)");
    Ok(ulaw)
}

/// CPU time (user + system) this process has used, in seconds.
pub(crate) fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let after_name = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 =
        fields.get(11).context("utime")?.parse::<u64>()? + fields.get(12).context("stime")?.parse::<u64>()?;
    // USER_HZ is 100 on Linux.
    Ok(ticks as f64 / 100.0)
}

fn rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
}
