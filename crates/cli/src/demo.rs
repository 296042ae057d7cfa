//! `agentline demo`: a first session with agentline, on the embedded default.
//!
//! It starts a server, creates an account, then uses the public HTTP API exactly as a
//! client would to set up an agent, a number and a contact, and shows the curl lines to do
//! the same by hand.

use agentline_server::config::Config;
use agentline_server::{Application, shutdown_signal};
use agentline_store::accounts::{self, NewAccount};
use anyhow::{Context, bail};
use serde_json::{Value, json};

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

fn step(n: u32, text: &str) {
    println!("\n\x1b[1m[{n}/4] {text}\x1b[0m");
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
    println!(
        "  account  {}\n  API key  {}   (test key: {})",
        made.account.id,
        made.live_key.expose(),
        made.test_key.expose()
    );
    let session =
        Session { client: reqwest::Client::new(), base: base.clone(), key: made.test_key.expose().to_owned() };

    step(2, "Created an agent through the API");
    let agent = session
        .post(
            "/v1/agents",
            json!({
                "name": "Riley",
                "instructions": "You confirm dental appointments for {{name}}. Be brief and friendly.",
                "first_message": "Hi {{name}}, this is Riley from Demo Dental.",
                "brain": {"type": "script", "branches": [{"keywords": ["yes", "confirm"], "reply": "Great, see you then!", "end_call": true}]}
            }),
        )
        .await?;
    println!("  agent    {}  {}", agent["id"].as_str().unwrap_or("?"), agent["name"].as_str().unwrap_or("?"));

    step(3, "Registered a caller-ID number and a contact");
    let number = session
        .post("/v1/numbers", json!({"phone_number": "+14155550100", "agent_id": agent["id"], "label": "Front desk"}))
        .await?;
    let contact = session
        .post("/v1/contacts", json!({"name": "Ada", "phone_number": "+14155550123", "timezone": "America/Los_Angeles", "lead_status": "booked"}))
        .await?;
    println!("  number   {}  {}", number["id"].as_str().unwrap_or("?"), number["phone_number"].as_str().unwrap_or("?"));
    println!("  contact  {}  {}", contact["id"].as_str().unwrap_or("?"), contact["name"].as_str().unwrap_or("?"));

    step(4, "Do the same by hand");
    let key = made.test_key.expose();
    println!("  curl -s {base}/v1/agents -H 'Authorization: Bearer {key}'");
    println!(
        "  curl -s {base}/v1/contacts -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n       -d '{{\"name\": \"Grace\", \"phone_number\": \"+14155550199\"}}'"
    );
    println!("  curl -s {base}/v1/balance -H 'Authorization: Bearer {key}'");
    println!("  API reference: {base}/openapi.json");
    println!("\nNot in this demo yet: placing calls (POST /v1/calls) arrives with the calls capability.");

    if keep_serving {
        println!("\nServing until Ctrl-C.");
    } else {
        let _ = stop.send(());
    }
    server.await.context("the server task failed")??;
    Ok(())
}
