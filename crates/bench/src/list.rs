//! List latency with a large call history.
//!
//! Method: 1,000,000 calls (by default) are loaded straight into the store in multi-row
//! inserts, spread over the statuses, then each list request below is sent 200 times, one at
//! a time (closed loop: this measures the cost of one list, not throughput).

use crate::harness;
use crate::stats::summarize;
use agentline_domain::call::{CallStatus, EndReason};
use agentline_domain::{
    AccountId, AgentId, ApiKeyMode, BusinessId, CarrierKind, Direction, NumberId, PhoneNumber, Timestamp,
};
use agentline_store::calls::{Call, NewCall};
use agentline_store::test_support::Engine;
use std::time::Instant;

fn call(account: &AccountId, business: &BusinessId, agent: &AgentId, number: &NumberId, i: usize) -> Call {
    let now = Timestamp::now();
    let status = [CallStatus::Completed, CallStatus::NoAnswer, CallStatus::Busy, CallStatus::Failed][i % 4];
    let new = NewCall {
        account_id: account.clone(),
        business_id: business.clone(),
        agent_id: agent.clone(),
        agent_name: "Bench".into(),
        assistant_id: None,
        direction: Direction::Outbound,
        mode: ApiKeyMode::Test,
        carrier: CarrierKind::Sandbox,
        carrier_call_id: None,
        from_number: PhoneNumber::parse("+14155550150").expect("a valid number"),
        from_number_id: number.clone(),
        to_number: PhoneNumber::parse("+14155550100").expect("a valid number"),
        contact_id: None,
        name: Some(format!("Caller {i}")),
        context: None,
        variables: Default::default(),
        metadata: Default::default(),
        instructions: "Bench".into(),
        first_message: None,
        voice: None,
        sandbox: None,
        voicemail: None,
        analysis_settings: None,
        webhook_url: None,
        agent_webhook_url: None,
        max_duration_secs: 600,
        ring_timeout_secs: 30,
        start_at: now,
    };
    // An ended call as the list shows it: the lifecycle's stamps set, nothing else.
    Call {
        status,
        end_reason: Some(if status == CallStatus::Completed { EndReason::CallerHangup } else { EndReason::NoAnswer }),
        initiated_at: Some(now),
        ringing_at: Some(now),
        ended_at: Some(now),
        duration_secs: Some(0),
        cost_cents: Some(0),
        ..Call::queued_at(new, now)
    }
}

pub(crate) async fn run(engine: Engine, count: usize) -> anyhow::Result<()> {
    let bench = harness::start(engine, |_| {}).await?;
    let agent = bench.agent().await?;
    let first_page = bench
        .client
        .get(format!("{}/v1/numbers", bench.base))
        .bearer_auth(&bench.key)
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?;
    let number = NumberId::parse(first_page["data"][0]["id"].as_str().unwrap_or_default())?;
    let agent = AgentId::parse(&agent)?;
    let account = AccountId::parse(&bench.account_id)?;
    let business = BusinessId::parse(&bench.business_id)?;
    let loading = Instant::now();
    let mut middle = String::new();
    for batch in 0..count.div_ceil(10_000) {
        let rows: Vec<Call> = (batch * 10_000..((batch + 1) * 10_000).min(count))
            .map(|i| call(&account, &business, &agent, &number, i))
            .collect();
        if batch == count / 20_000 {
            middle = rows[0].id.to_string();
        }
        let mut tx = bench.store.begin_write().await?;
        agentline_store::record::insert_many(&bench.store, &mut tx, &rows).await?;
        tx.commit().await?;
    }
    eprintln!("  loaded {count} calls in {:.1} s", loading.elapsed().as_secs_f64());
    let requests = [
        ("first page (limit 50)", "/v1/calls?limit=50".to_owned()),
        ("cursor in the middle", format!("/v1/calls?limit=50&after={middle}")),
        ("status filter", "/v1/calls?limit=50&status=busy".to_owned()),
        ("page mode, page 1 (counts all)", "/v1/calls?limit=50&page=1".to_owned()),
        ("page mode, page 10000", "/v1/calls?limit=50&page=10000".to_owned()),
    ];
    for (name, path) in requests {
        let mut latencies = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            let response =
                bench.client.get(format!("{}{path}", bench.base)).bearer_auth(&bench.test_key).send().await?;
            anyhow::ensure!(response.status().is_success(), "{path}: {}", response.status());
            response.bytes().await?;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let s = summarize(latencies);
        println!(
            "| GET /v1/calls, {name} | {} | {count} calls | {:.2} | {:.2} | {:.2} | {:.2} |",
            bench.engine_name(),
            s.p50,
            s.p95,
            s.p99,
            s.max
        );
    }
    Ok(())
}
