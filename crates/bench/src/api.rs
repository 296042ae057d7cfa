//! API latency at fixed request rates.
//!
//! Method: open loop. Requests are scheduled at exact times (rate per second, for the given
//! seconds) and each latency is measured from its scheduled time to the end of the response,
//! so a stalled server is charged for the requests that queue behind it (no coordinated
//! omission). POST /v1/calls creates test-key calls scheduled far in the future (they stay
//! queued, so this measures the API and the database, not the dispatcher); GET /v1/calls
//! lists 50 calls. Load generator and server share this machine's cores.

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

async fn offer(bench: &Arc<Bench>, request: Request, agent: &Arc<str>, rate: u32, seconds: u64) -> (Vec<f64>, usize) {
    let total = u64::from(rate) * seconds;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(at).await;
        let (bench, agent) = (Arc::clone(bench), Arc::clone(agent));
        tasks.push(tokio::spawn(async move {
            let ok = send(&bench, request, &agent).await;
            (at.elapsed().as_secs_f64() * 1000.0, ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((ms, true)) => latencies.push(ms),
            _ => errors += 1,
        }
    }
    (latencies, errors)
}

pub(crate) async fn run(engine: Engine, rates: &[u32], seconds: u64) -> anyhow::Result<()> {
    let bench = Arc::new(harness::start(engine, |_| {}).await?);
    let agent: Arc<str> = bench.agent().await?.into();
    for &rate in rates {
        for (name, request) in [("POST /v1/calls", Request::CreateCall), ("GET /v1/calls", Request::ListCalls)] {
            let (latencies, errors) = offer(&bench, request, &agent, rate, seconds).await;
            let s = summarize(latencies);
            println!(
                "| {name} | {} | {rate}/s × {seconds} s | {} ok, {errors} failed | {:.2} | {:.2} | {:.2} | {:.2} |",
                bench.engine_name(),
                s.count,
                s.p50,
                s.p95,
                s.p99,
                s.max
            );
        }
    }
    Ok(())
}
