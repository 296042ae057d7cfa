//! Webhook delivery throughput and latency.
//!
//! Method: a server with the sandbox at 100× speed (a call lives about 50 ms) and a local receiver (axum, answers 200)
//! subscribed to every event. N test calls are placed through the API, 32 at a time; each
//! produces six events, so six deliveries. Latency is the receiver's clock at arrival minus
//! the event's `created_at` (the commit of the state change): enqueue → delivered.
//! Throughput is deliveries over the time from the first event to the last arrival.

use crate::harness;
use crate::stats::summarize;
use agentline_domain::Timestamp;
use agentline_store::test_support::Engine;
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use futures_util::StreamExt;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Arrivals = Arc<Mutex<Vec<(Timestamp, Timestamp)>>>;

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let arrived = Timestamp::now();
    if let Some(created) = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["created_at"].as_str().and_then(|t| Timestamp::parse(t).ok()))
    {
        arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((created, arrived));
    }
    "ok"
}

pub(crate) async fn run(engine: Engine, calls: usize) -> anyhow::Result<()> {
    let arrivals: Arrivals = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver = format!("http://{}/hook", listener.local_addr()?);
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(Arc::clone(&arrivals));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let bench = harness::start(engine, |c| {
        c.engine.sandbox.speed = 100.0;
        c.engine.webhook_allow_private = true;
        c.engine.calls.dispatch_interval_ms = 5;
        c.engine.webhooks.batch_size = 256;
    })
    .await?;
    bench.post("/v1/webhook-endpoints", &json!({"url": receiver})).await?;
    let agent = bench.agent().await?;
    let started = Instant::now();
    let placed = futures_util::stream::iter(0..calls)
        .map(|_| {
            let body = json!({"agent_id": agent, "to": "+14155550100", "ring_timeout": 120});
            let request =
                bench.client.post(format!("{}/v1/calls", bench.base)).bearer_auth(&bench.test_key).json(&body);
            async move { request.send().await.map(|r| r.status().is_success()).unwrap_or(false) }
        })
        .buffer_unordered(32)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    anyhow::ensure!(placed == calls, "only {placed} of {calls} calls were accepted");
    let expected = calls * 6;
    loop {
        let got = arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
        if got >= expected {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(300), "deliveries stalled at {got} of {expected}");
        if started.elapsed().as_millis() % 5000 < 50 {
            eprintln!("  {got} of {expected} deliveries");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let arrivals = arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let first = arrivals.iter().map(|(created, _)| *created).min().context("no deliveries")?;
    let last = arrivals.iter().map(|(_, arrived)| *arrived).max().context("no deliveries")?;
    let window = (last.datetime() - first.datetime()).num_microseconds().unwrap_or(1) as f64 / 1e6;
    let latency: Vec<f64> = arrivals
        .iter()
        .map(|(created, arrived)| {
            (arrived.datetime() - created.datetime()).num_microseconds().unwrap_or(0) as f64 / 1000.0
        })
        .collect();
    let s = summarize(latency);
    println!(
        "| webhooks | {} | {} calls | {} deliveries | {:.1} s | {:.0}/s | {:.1} | {:.1} | {:.1} | {:.1} |",
        bench.engine_name(),
        calls,
        s.count,
        window,
        s.count as f64 / window,
        s.p50,
        s.p95,
        s.p99,
        s.max
    );
    Ok(())
}
