//! Turn latency: sandbox calls in real time, each a spoken conversation between the sandbox
//! callee and a script agent (VAD, the local recogniser, espeak-ng, RTP both ways). For every
//! agent answer the server records where the time went; this reports, over all answers, the
//! time agentline itself adds between deciding the caller's turn is over and the first audio
//! frame going out — with the recogniser's, the brain's and the TTS engine's own time taken
//! out, which is the same figure as with providers that answer instantly.

use crate::harness::{self, Bench};
use crate::stats::summarize;
use agentline_store::test_support::Engine;
use anyhow::Context;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) async fn run(calls: usize, rounds: usize) -> anyhow::Result<()> {
    let bench = harness::start(Engine::Sqlite, |c| c.engine.calls.dispatch_interval_ms = 20).await?;
    let agent = script_agent(&bench).await?;
    let (mut server, mut response, mut answers) = (Vec::new(), Vec::new(), 0);
    for _ in 0..rounds {
        let ids = place(&bench, &agent, calls).await?;
        for id in ids {
            let call = wait_done(&bench, &id).await?;
            for turn in call["latency"]["per_turn"].as_array().into_iter().flatten() {
                answers += 1;
                server.push(turn["server_ms"].as_f64().context("server_ms")?);
                response.push(turn["response_ms"].as_f64().context("response_ms")?);
            }
        }
    }
    let (server, response) = (summarize(server), summarize(response));
    println!(
        "| concurrent calls | answers | server-added p50 / p95 / p99 / max (ms) | caller-perceived p50 / p99 (ms) |"
    );
    println!("|---|---|---|---|");
    println!(
        "| {calls} | {answers} | {:.1} / {:.1} / {:.1} / {:.1} | {:.0} / {:.0} |",
        server.p50, server.p95, server.p99, server.max, response.p50, response.p99
    );
    Ok(())
}

/// A script agent that answers the sandbox callee's lines.
async fn script_agent(bench: &Bench) -> anyhow::Result<String> {
    let brain = json!({"type": "script", "max_turns": 6, "branches": [
        {"keywords": ["goodbye", "bye", "thank"], "reply": "Thank you, goodbye!", "end_call": true},
        {"keywords": ["details", "send", "good"], "reply": "Great, I will send you the details."},
        {"keywords": ["minute", "about", "what"], "reply": "We have a new terrace. Shall I send you the details?"}
    ]});
    let body = json!({"name": "Turns", "first_message": "Hi Sam, this is Alex from the bistro. Do you have a minute?", "brain": brain});
    let agent = bench.post("/v1/agents", &body).await?;
    let id = agent["id"].as_str().context("agent id")?.to_owned();
    bench.post("/v1/numbers", &json!({"phone_number": "+14155550150", "agent_id": id})).await?;
    Ok(id)
}

async fn place(bench: &Bench, agent: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let call = bench.post("/v1/calls", &json!({"agent_id": agent, "to": "+14155550100"})).await?;
        ids.push(call["id"].as_str().context("call id")?.to_owned());
    }
    Ok(ids)
}

pub(crate) async fn wait_done(bench: &Bench, id: &str) -> anyhow::Result<Value> {
    let started = Instant::now();
    loop {
        let call = bench.get(&format!("/v1/calls/{id}")).await?;
        if matches!(call["status"].as_str(), Some("completed" | "failed")) {
            return Ok(call);
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(180), "call {id} did not finish: {call}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
