//! `agentline demo`: a first session with agentline, on the embedded default.
//!
//! It starts a server, creates an account, then uses the public HTTP API exactly as a
//! client would: an agent, a caller-ID number, a contact, and a sandbox call followed to its
//! end. It closes with the curl lines to do the same by hand.

use agentline_server::config::Config;
use agentline_server::{Application, shutdown_signal};
use agentline_store::accounts::{self, NewAccount};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::io::Write as _;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Leave the server running after the walkthrough (Ctrl-C stops it).
    #[arg(long)]
    keep_serving: bool,
}

struct Session {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Session {
    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await?;
        Ok(response.json().await?)
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response =
            self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.key).json(&body).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {body}");
        }
        Ok(body)
    }
}

const STEPS: u32 = 5;

fn step(n: u32, text: &str) {
    println!("\n\x1b[1m[{n}/{STEPS}] {text}\x1b[0m");
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("?")
}

/// Shows the call's status changes on one line until it ends, and returns the final call.
async fn follow(session: &Session, call_id: &str) -> anyhow::Result<Value> {
    let started = Instant::now();
    let mut shown = String::new();
    print!("  ");
    loop {
        let call = session.get(&format!("/v1/calls/{call_id}")).await?;
        let status = text(&call["status"]).to_owned();
        if status != shown {
            let arrow = if shown.is_empty() { "" } else { " -> " };
            print!("{arrow}{status} ({:.1}s)", started.elapsed().as_secs_f32());
            std::io::stdout().flush()?;
            shown = status;
        }
        if call["ended_at"].is_string() {
            println!();
            return Ok(call);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the call did not end within a minute");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    let app = Application::build(config.clone())
        .await
        .context("cannot start the server (is another one on the same port? set AGENTLINE_BIND=127.0.0.1:0)")?;
    let base = format!("http://{}", app.local_addr());
    let made = accounts::bootstrap(
        app.store(),
        NewAccount {
            name: "Demo Dental".into(),
            plan: config.accounts.plan.clone(),
            concurrency_limit: config.accounts.concurrency_limit,
            balance_cents: config.accounts.starting_balance_cents,
            rate_cents_per_minute: config.accounts.rate_cents_per_minute,
        },
    )
    .await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let keep_serving = args.keep_serving;
    let server = tokio::spawn(app.run_until_stopped(async move {
        if keep_serving {
            shutdown_signal().await;
        } else {
            let _ = stopped.await;
        }
    }));

    println!("agentline is serving on {base} (SQLite in {})", config.data_dir.display());
    step(1, "Created an account");
    println!("  account  {}", made.account.id);
    println!("  API key  {}   (test key: {})", made.live_key.expose(), made.test_key.expose());
    let key = made.test_key.expose().to_owned();
    let session = Session { client: reqwest::Client::new(), base: base.clone(), key: key.clone() };

    step(2, "Created an agent through the API");
    let agent = session
        .post(
            "/v1/agents",
            json!({
                "name": "Riley",
                "instructions": "You confirm dental appointments for {{name}} at {{business_name}}. Be brief and friendly.",
                "first_message": "Good {{time_of_day}} {{name}}, this is Riley from {{business_name}}.",
                "brain": {"type": "script", "branches": [{"keywords": ["yes", "confirm"], "reply": "Great, see you then!", "end_call": true}]}
            }),
        )
        .await?;
    println!("  agent    {}  {}", text(&agent["id"]), text(&agent["name"]));

    step(3, "Registered a caller-ID number and a contact");
    let number = session
        .post("/v1/numbers", json!({"phone_number": "+14155550150", "agent_id": agent["id"], "label": "Front desk"}))
        .await?;
    let contact = session
        .post("/v1/contacts", json!({"name": "Ada Lovelace", "phone_number": "+14155550100", "timezone": "America/Los_Angeles", "lead_status": "booked"}))
        .await?;
    println!("  number   {}  {}", text(&number["id"]), text(&number["phone_number"]));
    println!("  contact  {}  {}", text(&contact["id"]), text(&contact["name"]));

    step(4, "Placed a sandbox call to +14155550100 (answers, talks 4 s, hangs up)");
    let call = session.post("/v1/calls", json!({"agent_id": agent["id"], "to": "+14155550100"})).await?;
    let call_id = text(&call["id"]).to_owned();
    println!("  call     {call_id}  (queue position {})", call["queue_position"]);
    let done = follow(&session, &call_id).await?;
    let summary = json!({
        "id": done["id"], "status": done["status"], "end_reason": done["end_reason"], "duration": done["duration"],
        "cost_cents": done["cost_cents"], "mode": done["mode"], "contact_id": done["contact_id"],
        "first_message": done["first_message"], "recording_path": Value::Null,
    });
    println!("  final call:");
    for line in serde_json::to_string_pretty(&summary)?.lines() {
        println!("    {line}");
    }

    step(5, "Do the same by hand");
    let agent_id = text(&agent["id"]);
    println!("  curl -s {base}/v1/calls -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\");
    println!("       -d '{{\"agent_id\": \"{agent_id}\", \"to\": \"+14155550101\"}}'");
    println!("  curl -s {base}/v1/calls/{call_id} -H 'Authorization: Bearer {key}'");
    println!("  curl -s {base}/v1/calls/{call_id}/events -H 'Authorization: Bearer {key}'");
    println!("  API reference: {base}/openapi.json");
    println!("  Webhooks and a live event stream: see docs/webhooks.md");
    println!("\nReal phone calls go through your own SIP trunk (recorded, with DTMF): see docs/telephony.md.");
    println!("Not in agentline yet: the conversation (the sandbox callee does not talk yet), transcripts and Twilio.");

    if keep_serving {
        println!("\nServing until Ctrl-C.");
    } else {
        let _ = stop.send(());
    }
    server.await.context("the server task failed")??;
    Ok(())
}
