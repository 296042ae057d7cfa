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

/// Shows the call's progress as it happens: each status change, then each transcript turn as
/// the conversation produces it. Returns the final call once its recording is stored.
async fn follow(session: &Session, call_id: &str) -> anyhow::Result<Value> {
    let started = Instant::now();
    let (mut shown, mut turns_shown) = (String::new(), 0);
    let mut ended: Option<Instant> = None;
    loop {
        let call = session.get(&format!("/v1/calls/{call_id}")).await?;
        let status = text(&call["status"]).to_owned();
        if status != shown {
            println!("  \x1b[2m{:>5.1}s\x1b[0m  status: \x1b[1m{status}\x1b[0m", started.elapsed().as_secs_f32());
            shown = status;
        }
        let transcript = session.get(&format!("/v1/calls/{call_id}/transcript")).await?;
        let turns = transcript["turns"].as_array().cloned().unwrap_or_default();
        for turn in turns.iter().skip(turns_shown) {
            print_turn(turn, started.elapsed().as_secs_f32());
        }
        turns_shown = turns_shown.max(turns.len());
        std::io::stdout().flush()?;
        // The recording is stored and the analysis run a moment after the call ends; silent
        // (accelerated) sandbox calls have no recording.
        if call["ended_at"].is_string() {
            let ended_at = *ended.get_or_insert_with(Instant::now);
            let settled = !call["recording_url"].is_null() && call["analysis"]["status"] != "pending";
            if settled || ended_at.elapsed() > Duration::from_secs(5) {
                return Ok(call);
            }
        }
        if started.elapsed() > Duration::from_secs(180) {
            bail!("the call did not end within three minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The analysis in one line: the model's summary, or why there is none.
fn analysis_brief(call: &Value) -> String {
    let analysis = &call["analysis"];
    match text(&analysis["status"]) {
        "completed" => text(&call["summary"]).to_owned(),
        "skipped" => format!("skipped: {}", text(&analysis["reason"])),
        "failed" => format!("failed: {}", text(&analysis["error"])),
        other => other.to_owned(),
    }
}

/// One transcript line: who spoke, what was heard, and whether they were cut off.
fn print_turn(turn: &Value, at: f32) {
    let (who, colour) = if turn["speaker"] == "agent" { ("Agent ", "36") } else { ("Callee", "33") };
    let cut = if turn["interrupted"] == true { "  [interrupted]" } else { "" };
    let said = match text(&turn["text"]) {
        "" => "(nothing recognisable)",
        said => said,
    };
    println!("  \x1b[2m{at:>5.1}s\x1b[0m  \x1b[{colour}m{who}\x1b[0m  {said}{cut}");
}

/// Where the call's recording lies on this machine, if it was recorded.
fn recording_path(config: &Config, call: &Value) -> Value {
    if call["recording_url"].is_null() {
        return Value::Null;
    }
    let path = config.engine.data_dir.join("recordings").join(format!("{}.wav", text(&call["id"])));
    json!(path.display().to_string())
}

/// The caller-perceived response time and agentline's own share of it, p50 over the call.
fn latency_brief(latency: &Value) -> Value {
    json!({ "response_p50": latency["response_ms"]["p50"], "server_p50": latency["server_ms"]["p50"] })
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

    println!("agentline is serving on {base} (SQLite in {})", config.engine.data_dir.display());
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
                "first_message": "Good {{time_of_day}} {{name}}, this is Riley from {{business_name}}. I am calling about your cleaning appointment tomorrow. Do you have a minute?",
                "brain": {"type": "script", "max_turns": 6, "branches": [
                    {"keywords": ["goodbye", "bye", "thank"], "reply": "Thank you, see you tomorrow. Goodbye!", "end_call": true},
                    {"keywords": ["details", "send", "good"], "reply": "Done, I will text you the details right away."},
                    {"keywords": ["minute", "about", "what"], "reply": "You have a cleaning booked tomorrow at ten in the morning. Shall I send you the details by text?"}
                ]}
            }),
        )
        .await?;
    println!("  agent    {}  {}", text(&agent["id"]), text(&agent["name"]));

    step(3, "Registered a caller-ID number and a contact");
    let number = session
        .post("/v1/numbers", json!({"phone_number": "+14155550150", "agent_id": agent["id"], "label": "Front desk"}))
        .await?;
    let contact = session
        .post("/v1/contacts", json!({"name": "Sam Carter", "phone_number": "+14155550100", "timezone": "America/Los_Angeles", "lead_status": "booked"}))
        .await?;
    println!("  number   {}  {}", text(&number["id"]), text(&number["phone_number"]));
    println!("  contact  {}  {}", text(&contact["id"]), text(&contact["name"]));

    step(4, "Placed a sandbox call to +14155550100: the sandbox callee answers and talks (live transcript below)");
    let call = session.post("/v1/calls", json!({"agent_id": agent["id"], "to": "+14155550100"})).await?;
    let call_id = text(&call["id"]).to_owned();
    println!("  call     {call_id}  (queue position {})", call["queue_position"]);
    let done = follow(&session, &call_id).await?;
    let summary = json!({
        "id": done["id"], "status": done["status"], "end_reason": done["end_reason"], "duration": done["duration"],
        "cost_cents": done["cost_cents"], "mode": done["mode"], "contact_id": done["contact_id"],
        "analysis": analysis_brief(&done), "latency_ms": latency_brief(&done["latency"]),
        "recording_url": done["recording_url"], "recording_path": recording_path(&config, &done),
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
    println!("  curl -s {base}/v1/calls/{call_id}/transcript?format=text -H 'Authorization: Bearer {key}'");
    println!("  curl -s {base}/v1/calls/{call_id}/recording -H 'Authorization: Bearer {key}' -o call.wav");
    println!("  API reference: {base}/openapi.json");
    println!("  Webhooks and a live event stream: see docs/webhooks.md");
    println!("\nReal phone calls go through your own SIP trunk (recorded, with DTMF): see docs/telephony.md,");
    println!("or your Twilio numbers, outbound and inbound (Media Streams): see docs/twilio.md.");
    println!("How the conversation works (brains, speech providers, barge-in): see docs/conversation.md.");

    if keep_serving {
        println!("\nServing until Ctrl-C. The web console: {base}/console (sign in with the test key).");
    } else {
        let _ = stop.send(());
    }
    server.await.context("the server task failed")??;
    Ok(())
}
