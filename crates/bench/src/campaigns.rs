//! A large campaign on the sandbox: how fast a CSV of contacts is taken, and how fast the
//! campaign runs to completion with exact counts.
//!
//! Method: a server on `engine` with the sandbox sped up 1000× (a call that talks 3 s lasts
//! 3 ms; ringing, busy and voicemail scale the same), one account with a large concurrency
//! limit. A CSV of `contacts` rows is uploaded in one request (timed), ten rows in every ten:
//! seven answer (`…0113`), one is busy (`…0101`, retried once at once, then failed), one is an
//! answering machine (`…0104`, not retried: completed), one is not a number (skipped). The
//! campaign runs with `max_concurrent` 200 and a pace of 1,000 calls a second, polled every
//! 250 ms until it completes; then every contact's state is checked against what its row
//! must come to. The whole process (server and this client) is measured for CPU time; the client
//! sends only a handful of requests, so it cannot be the bottleneck.

use crate::harness;
use crate::sip::cpu_seconds;
use agentline_store::test_support::Engine;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const PATTERN: [&str; 10] = [
    "+14155550113",
    "+14155550113",
    "+14155550113",
    "+14155550113",
    "+14155550113",
    "+14155550113",
    "+14155550113",
    "+14155550101",
    "+14155550104",
    "not a number",
];

/// A time zone where it is about noon now, so the calling window is open.
fn zone_at_noon() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let offset = 12 - i64::try_from(secs / 3600 % 24).unwrap_or(0);
    if offset >= 0 { format!("Etc/GMT-{offset}") } else { format!("Etc/GMT+{}", -offset) }
}

fn csv(contacts: usize) -> String {
    let zone = zone_at_noon();
    let mut text = String::from("phone_number,name,timezone,slot\n");
    for i in 0..contacts {
        let _ = writeln!(text, "{},Contact {i},{zone},Tuesday {}pm", PATTERN[i % 10], 1 + i % 5);
    }
    text
}

pub(crate) async fn run(engine: Engine, contacts: usize) -> anyhow::Result<()> {
    let bench = harness::start(engine, |c| {
        c.engine.sandbox.speed = 1000.0;
        c.engine.calls.dispatch_interval_ms = 20;
        c.body_limit_bytes = 64 * 1024 * 1024;
    })
    .await?;
    let agent = bench.agent().await?;
    let every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let body = json!({
        "name": "Bench", "agent_id": agent, "max_concurrent": 200, "calls_per_minute": 60_000,
        "retry": {"busy": {"delay_minutes": 0, "max_attempts": 2}, "voicemail": {"delay_minutes": 0, "max_attempts": 1}},
        "window": {"start": "08:00", "end": "21:00", "days": every_day},
    });
    let campaign = bench.post("/v1/campaigns", &body).await?;
    let id = campaign["id"].as_str().unwrap_or_default().to_owned();

    let text = csv(contacts);
    let uploading = Instant::now();
    let response = bench
        .client
        .post(format!("{}/v1/campaigns/{id}/contacts", bench.base))
        .bearer_auth(&bench.key)
        .header("content-type", "text/csv")
        .body(text)
        .send()
        .await?;
    let upload_ms = uploading.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(response.status().as_u16() == 201, "upload: {}", response.text().await?);

    let (cpu0, started) = (cpu_seconds()?, Instant::now());
    bench.post(&format!("/v1/campaigns/{id}/start"), &json!({})).await?;
    let done = loop {
        let now = bench.get(&format!("/v1/campaigns/{id}")).await?;
        if now["status"] == "completed" {
            break now;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(1800), "the campaign did not complete: {now}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let (wall, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds()? - cpu0);
    let counts = &done["counts"];
    let tenth = i64::try_from(contacts / 10).unwrap_or(0);
    let expected = json!({"completed": tenth * 8, "failed": tenth, "skipped": tenth});
    let got = json!({"completed": counts["completed"], "failed": counts["failed"], "skipped": counts["skipped"]});
    anyhow::ensure!(got == expected, "counts {got} instead of {expected}: {done}");
    let calls = tenth * 10; // 7 answered, 2 busy attempts, 1 voicemail per ten rows.
    println!(
        "| {} | {contacts} | {upload_ms:.0} ms | {wall:.1} s | {:.0} calls/s | {:.0} % | exact: {} |",
        bench.engine_name(),
        calls as f64 / wall,
        cpu / wall * 100.0,
        summary(counts)
    );
    Ok(())
}

fn summary(counts: &Value) -> String {
    format!("{} completed, {} failed, {} skipped", counts["completed"], counts["failed"], counts["skipped"])
}
