//! API latency at fixed request rates.
//!
//! Method: open loop. Requests are scheduled at exact times (rate per second, for the given
//! seconds) and each latency is measured from its scheduled time to the end of the response,
//! so a stalled server is charged for the requests that queue behind it (no coordinated
//! omission). POST /v1/calls creates test-key calls scheduled far in the future (they stay
//! queued, so this measures the API and the database, not the dispatcher); GET /v1/calls
//! lists 50 calls. Load generator and server share this machine's cores (and this process):
//! the last column is the generator's own lateness, from a request's scheduled instant to the
//! moment its task began, so a run where the generator fell behind shows it.

use crate::harness::{self, Bench};
use crate::stats::summarize;
use agentline_store::test_support::Engine;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Copy)]
enum Request {
    CreateCall,
    ListCalls,
}

async fn send(bench: &Bench, request: Request, agent: &str) -> bool {
    let sent = match request {
        Request::CreateCall => {
            let body = json!({"agent_id": agent, "to": "+14155550100", "start_at": "2099-01-01T00:00:00Z"});
            bench.client.post(format!("{}/v1/calls", bench.base)).bearer_auth(&bench.test_key).json(&body).send().await
        }
        Request::ListCalls => {
            bench.client.get(format!("{}/v1/calls?limit=50", bench.base)).bearer_auth(&bench.test_key).send().await
        }
    };
    match sent {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// What one rate of one request gave: latencies of the answered requests, how many failed, and
/// how late the generator itself started each request (its own scheduling, not the server's).
struct Offered {
    latencies: Vec<f64>,
    errors: usize,
    generator_lateness: Vec<f64>,
}

async fn offer(bench: &Arc<Bench>, request: Request, agent: &Arc<str>, rate: u32, seconds: u64) -> Offered {
    let total = u64::from(rate) * seconds;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(at).await;
        let (bench, agent) = (Arc::clone(bench), Arc::clone(agent));
        tasks.push(tokio::spawn(async move {
            let late = at.elapsed().as_secs_f64() * 1000.0;
            let ok = send(&bench, request, &agent).await;
            (at.elapsed().as_secs_f64() * 1000.0, ok, late)
        }));
    }
    let mut offered = Offered { latencies: Vec::new(), errors: 0, generator_lateness: Vec::new() };
    for task in tasks {
        match task.await {
            Ok((ms, ok, late)) => {
                offered.generator_lateness.push(late);
                if ok {
                    offered.latencies.push(ms);
                } else {
                    offered.errors += 1;
                }
            }
            Err(_) => offered.errors += 1,
        }
    }
    offered
}

pub(crate) async fn run(engine: Engine, rates: &[u32], seconds: u64) -> anyhow::Result<()> {
    let bench = Arc::new(harness::start(engine, |_| {}).await?);
    let agent: Arc<str> = bench.agent().await?.into();
    for &rate in rates {
        for (name, request) in [("POST /v1/calls", Request::CreateCall), ("GET /v1/calls", Request::ListCalls)] {
            let Offered { latencies, errors, generator_lateness } = offer(&bench, request, &agent, rate, seconds).await;
            let (s, late) = (summarize(latencies), summarize(generator_lateness));
            println!(
                "| {name} | {} | {rate}/s × {seconds} s | {} ok, {errors} failed | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} |",
                bench.engine_name(),
                s.count,
                s.p50,
                s.p95,
                s.p99,
                s.max,
                late.p99,
                late.max
            );
        }
    }
    Ok(())
}
